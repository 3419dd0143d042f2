"""The school concept's approval steps: from which states each step may be
taken and how it is labelled. The roles that may take a step are in
concepts.permissions (`STEP_ROLES`); the steps themselves are services.

school concept:     draft | changes_requested --submit--> submitted   (completeness check)
                    submitted --approve_principal / approve_carrier--> submitted | approved
                    submitted | approved --request_changes--> changes_requested
                    approved --acknowledge--> acknowledged
                    acknowledged --reopen--> draft
                    any --rebase--> draft  (only when a newer framework version is adopted)
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import SchoolConcept

SC = SchoolConcept.Status

# action -> the states it may be taken from
SCHOOL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submit": (SC.DRAFT, SC.CHANGES_REQUESTED),
    "approve_principal": (SC.SUBMITTED,),
    "approve_carrier": (SC.SUBMITTED,),
    "request_changes": (SC.SUBMITTED, SC.APPROVED),
    "acknowledge": (SC.APPROVED,),
    "reopen": (SC.ACKNOWLEDGED,),
    "rebase": tuple(SC.values),
}

STEP_LABELS: dict[str, Promise] = {
    "submit": gettext_lazy("Submit"),
    "approve_principal": gettext_lazy("Approve as principal"),
    "approve_carrier": gettext_lazy("Approve as carrier"),
    "request_changes": gettext_lazy("Request changes"),
    "acknowledge": gettext_lazy("Acknowledge"),
    "reopen": gettext_lazy("Start a revision"),
    "rebase": gettext_lazy("Move to the adopted framework version"),
}

# The confirmation after each step.
STEP_DONE: dict[str, Promise] = {
    "submit": gettext_lazy(
        "The concept was submitted. The principal and the carrier can approve it now."
    ),
    "approve_principal": gettext_lazy("You approved the concept as principal."),
    "approve_carrier": gettext_lazy("You approved the concept as carrier."),
    "request_changes": gettext_lazy(
        "Changes were requested; the concept is back with the drafters."
    ),
    "acknowledge": gettext_lazy("The concept was acknowledged; the review period starts."),
    "reopen": gettext_lazy("The revision was started; the concept is a draft again."),
    "rebase": gettext_lazy(
        "The concept was moved to the adopted framework version. Fill in the new parts and "
        "submit it again."
    ),
}
