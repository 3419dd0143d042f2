"""Writes to the documentation, by what they hold: the rules of a record
(validation.py), recording, correcting and deleting activities within the
correction window (records.py), catalogues (catalogues.py), API tokens
(tokens.py) and the retention job (retention.py). Callers import them from
here; a test that patches a name patches it in the module that looks it up."""

from .catalogues import (
    catalogue_entry_add,
    catalogue_entry_set,
    catalogue_entry_update,
    catalogues_ensure_defaults,
    import_mapping_set,
    normalise_label,
)
from .records import (
    RowsInvalid,
    activities_record_many,
    activity_correct,
    activity_delete,
    activity_record,
    correction_deadline,
    is_locked,
)
from .retention import RetentionReport, retention_apply, retention_cutoff
from .tokens import api_token_create, api_token_for_key, api_token_revoke
from .validation import ActivityInput, date_problem, earliest_date, record_problems, worker_of

__all__ = [
    "ActivityInput",
    "RetentionReport",
    "RowsInvalid",
    "activities_record_many",
    "activity_correct",
    "activity_delete",
    "activity_record",
    "api_token_create",
    "api_token_for_key",
    "api_token_revoke",
    "catalogue_entry_add",
    "catalogue_entry_set",
    "catalogue_entry_update",
    "catalogues_ensure_defaults",
    "correction_deadline",
    "date_problem",
    "earliest_date",
    "import_mapping_set",
    "is_locked",
    "normalise_label",
    "record_problems",
    "retention_apply",
    "retention_cutoff",
    "worker_of",
]
