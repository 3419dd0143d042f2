"""Import of existing Excel documentation: parse (activity_file.py, pure,
row by row), resolve the file's own category names to catalogue entries (by
label, code or a remembered mapping of the municipality), check every row
against schools, catalogues and positions loaded once into dicts, and write
in batches (bulk.py, ``bulk_create``) inside one transaction, single-threaded. All or nothing: any bad row, or
any category name without an entry, rolls everything back; every bad row is
reported as "row N, column C: reason".

Two kinds of importer:

* a social worker imports their own documentation (the web page and the
  command): rows at their own schools;
* a carrier's manager migrates the documentation of its staff (the command):
  the file names the staff member in a column "Fachkraft" (as the carrier's
  staff list names them); each row must name one of the carrier's own staff
  and a school where that person holds a position on that date (the rule the
  carrier's API follows, accounts/permissions.py).

The checks are those of ``services.activity_record`` (school, date between
``services.earliest_date()`` and today, minutes, current catalogue entries, participant counts); the fields
mean the same. One audit entry records the whole import.

By what they hold: categories.py resolves the file's category names,
scope.py knows who may import what, checking.py checks the rows,
writing.py runs the import (import_activities) and jobs.py the background
import around it (import_start, import_run, progress and result). Callers
import them from here; a test that patches a name patches it in the module
that looks it up (``importing.writing.BATCH_ROWS``); the package names
no constants, so a patch of the package's name fails instead of doing nothing.
"""

from .jobs import import_errors, import_progress_of, import_run, import_start, imports_visible_to
from .writing import ActivityImportReport, import_activities

__all__ = [
    "ActivityImportReport",
    "import_activities",
    "import_errors",
    "import_progress_of",
    "import_run",
    "import_start",
    "imports_visible_to",
]
