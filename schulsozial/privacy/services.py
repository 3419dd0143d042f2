"""Data subject rights of staff (Art. 15 and 17 DSGVO).

`staff_data_export` gathers everything the platform holds about one staff
member and the linked user account: master data and contract, positions
and their school assignments, the account and its roles, the audit entries
in which the person acted, and per month the number and minutes of the
activity records the person documented (counts only: the records describe
the work with pupils, not the person).

`staff_pseudonymise` erases the person's identity and keeps what the law
requires (docs/operations.md, "Data subject rights", says exactly what):

- the staff member's label becomes a pseudonym code ("Pseudonym 5F3A9C01");
- the account: user name, display name, first and last name become the
  code, the e-mail address is removed, the password made unusable; the
  account is deactivated (every session ends), its roles, two-factor
  devices and single-sign-on link are deleted;
- kept, pseudonymous: the staff record's contract figures, its positions
  and assignments (staffing history of the funding), the activity records
  (statistics, until the records' retention deletes them), and the audit
  entries, which keep the actor id with the label replaced by the code
  (and the object text of entries about the person's record or account).
  Field changes recorded in older entries (e.g. an earlier name in a
  "label" change) stay until the audit retention deletes those entries.

This app sits above the others (it reads staff, accounts, activities and
the audit log). Both are services with an explicit actor (`by`), run in one transaction,
and are audited. Who may use them: masterdata.permissions.can_exercise_data_rights.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import secrets
import zipfile
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.accounts import services as account_services
from schulsozial.activities.models import Activity
from schulsozial.core.actors import SYSTEM
from schulsozial.core.append_only import maintenance
from schulsozial.core.audit import Action, audit
from schulsozial.core.exports import xlsx_sheets_bytes
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.models import Position, PositionAssignment, StaffMember

PSEUDONYM_PREFIX = "Pseudonym"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _cell(value: Any) -> Any:
    """A workbook cell: numbers and dates stay typed (Excel shows them in the
    reader's German format), times in local time (Excel knows no time zones)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _table(header: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    """A section: the values as read; the JSON writes them as plain strings."""
    return {"columns": header, "rows": [list(row) for row in rows]}


def _contract_table(staff: StaffMember) -> dict[str, Any]:
    """The person's contracts with their extensions (issue 15)."""
    from schulsozial.contracts.models import Contract

    contracts = (
        Contract.objects.filter(staff_member=staff)
        .select_related("carrier", "funding_stream")
        .prefetch_related("extensions")
        .order_by("start", "pk")
    )
    return _table(
        [
            _("employer (carrier)"),
            _("kind of contract"),
            _("start"),
            _("end"),
            _("reason for the fixed term"),
            _("funding stream"),
            _("weekly hours"),
            _("FTE"),
            _("pay group"),
            _("extensions"),
        ],
        [
            [
                str(c.carrier),
                c.get_kind_display(),
                c.start,
                c.end,
                c.reason_display(),
                str(c.funding_stream or ""),
                c.weekly_hours,
                c.fte,
                c.pay_group,
                "; ".join(
                    f"{e.agreed_on:%d.%m.%Y}: {e.previous_end:%d.%m.%Y} → "
                    + (f"{e.new_end:%d.%m.%Y}" if e.new_end else str(_("permanent")))
                    for e in c.extensions.all()
                ),
            ]
            for c in contracts
        ],
    )


def staff_data(staff: StaffMember, *, with_audit_trail: bool) -> dict[str, dict[str, Any]]:
    """Every section of the export, each a table (German column names). The
    audit entries are listed only `with_audit_trail` (the view asks
    masterdata.permissions.can_read_audit_trail_in_data_export), and only those of the
    staff member's municipality; else their number and where to get them."""
    sections: dict[str, dict[str, Any]] = {}
    sections[_("Staff member")] = _table(
        [_("field"), _("value")],
        [
            [_("name or code"), staff.label],
            [_("municipality"), str(staff.municipality)],
            [_("employer (carrier)"), str(staff.carrier)],
            [_("function"), staff.get_function_display()],
            [_("qualification"), staff.get_qualification_display()],
            [_("weekly hours"), staff.weekly_hours],
            [_("FTE"), staff.fte],
            [_("contract start"), staff.contract_start],
            [_("contract end"), staff.contract_end],
        ],
    )
    positions = Position.objects.filter(staff_member=staff).select_related(
        "carrier", "funding_stream"
    )
    sections[_("Positions")] = _table(
        [
            _("position code"),
            _("carrier"),
            _("funding stream"),
            _("FTE"),
            _("valid from"),
            _("valid until"),
        ],
        [
            [p.code, str(p.carrier), str(p.funding_stream), p.fte, p.valid_from, p.valid_to]
            for p in positions.order_by("valid_from", "pk")
        ],
    )
    sections[_("Contracts")] = _contract_table(staff)
    assignments = PositionAssignment.objects.filter(position__staff_member=staff).select_related(
        "position", "school"
    )
    sections[_("School assignments")] = _table(
        [_("position code"), _("school"), _("weekly hours")],
        [[a.position.code, str(a.school), a.weekly_hours] for a in assignments.order_by("pk")],
    )
    user = staff.user
    account_rows: list[list[Any]] = []
    role_rows: list[list[Any]] = []
    audit_rows: list[list[Any]] = []
    if user is not None:
        account_rows = [
            [_("user name"), user.username],
            [_("display name"), user.display_name],
            [_("first name"), user.first_name],
            [_("last name"), user.last_name],
            [_("e-mail address"), user.email],
            [_("active"), _("yes") if user.is_active else _("no")],
            [_("registered"), user.date_joined],
            [_("last login"), user.last_login],
        ]
        role_rows = [
            [a.get_role_display(), str(a.school or a.carrier or a.municipality or "")]
            for a in user.role_assignments.select_related("municipality", "carrier", "school")
        ]
        entries = AuditEntry.objects.filter(actor_id=user.pk).order_by("at", "pk")
        if with_audit_trail:
            audit_rows = [
                [e.at, e.get_action_display(), e.object_type, e.object_repr, e.ip_address]
                for e in entries.filter(municipality_id=staff.municipality_id)
            ]
        else:
            count = entries.count()
            audit_rows = [
                [
                    "",
                    ngettext("%(count)d entry", "%(count)d entries", count) % {"count": count},
                    "",
                    _(
                        "The entries themselves are given out by the administration "
                        "(audit log, filter by person, export)."
                    ),
                    "",
                ]
            ]
    sections[_("User account")] = _table([_("field"), _("value")], account_rows)
    sections[_("Roles")] = _table([_("role"), _("scope")], role_rows)
    sections[_("Audit log entries as actor")] = _table(
        [_("time"), _("action"), _("object type"), _("object"), _("IP address")], audit_rows
    )
    months = (
        Activity.objects.filter(worker=staff)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(records=Count("pk"), minutes=Sum("minutes"))
        .order_by("month")
    )
    sections[_("Activity records per month")] = _table(
        [_("month"), _("records"), _("minutes")],
        [[m["month"].strftime("%Y-%m"), m["records"], m["minutes"]] for m in months],
    )
    return sections


def staff_data_export(
    *, staff: StaffMember, by: Any, with_audit_trail: bool, ip: str | None = None
) -> tuple[str, bytes]:
    """Art. 15: a ZIP with the data as JSON and as an XLSX workbook (one
    sheet per section). Returns (file name, bytes); the export is audited."""
    sections = staff_data(staff, with_audit_trail=with_audit_trail)
    stamp = timezone.localdate().isoformat()
    workbook = xlsx_sheets_bytes(
        [
            (title, table["columns"], [[_cell(v) for v in row] for row in table["rows"]])
            for title, table in sections.items()
        ]
    )
    payload = json.dumps(
        {"created": timezone.localtime().isoformat(), "sections": sections},
        ensure_ascii=False,
        indent=2,
        default=_plain,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{_('data')}.json", payload)
        archive.writestr(f"{_('data')}.xlsx", workbook)
    audit(
        actor=by,
        action=Action.EXPORT,
        obj=staff,
        changes={"data_subject_access": True, "sections": list(sections)},
        ip_address=ip,
    )
    return f"{_('data_access')}_{staff.pk}_{stamp}.zip", buffer.getvalue()


def _new_code() -> str:
    while True:
        code = f"{PSEUDONYM_PREFIX} {secrets.token_hex(4).upper()}"
        if not StaffMember.objects.filter(label=code).exists():
            return code


def is_pseudonymised(staff: StaffMember) -> bool:
    return staff.label.startswith(PSEUDONYM_PREFIX + " ")


@transaction.atomic
def staff_pseudonymise(*, staff: StaffMember, by: Any, ip: str | None = None) -> str:
    """Art. 17: replace the person's identity by a code (see the module's
    docstring for what is kept). Returns the code. Nothing of the old name
    goes into the audit entry of the erasure."""
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    if is_pseudonymised(staff):
        return staff.label
    code = _new_code()
    staff.label = code
    staff.save(update_fields=["label"])
    removed: dict[str, int] = {}
    user = staff.user
    about = Q(object_type=StaffMember._meta.label_lower, object_id=str(staff.pk))
    if user is not None:
        removed = _erase_account(user, code)
        about |= Q(object_type=user._meta.label_lower, object_id=str(user.pk))
    with maintenance():
        if user is not None:
            removed["audit_labels"] = AuditEntry.objects.filter(actor_id=user.pk).update(
                actor_label=code
            )
        removed["audit_objects"] = AuditEntry.objects.filter(about).update(object_repr=code)
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=staff,
        changes={"pseudonymised": True, **removed},
        ip_address=ip,
    )
    return code


def _erase_account(user: Any, code: str) -> dict[str, int]:
    username = code.replace(" ", "-").lower()
    user.username = username
    user.display_name = code
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.set_unusable_password()
    user.save(
        update_fields=["username", "display_name", "first_name", "last_name", "email", "password"]
    )
    # Deactivation ends every session (accounts.services); filed as the system's
    # step of this erasure, whose own entry names the actor. Before the roles
    # go, so that the entry lands in the municipalities' logs.
    account_services.user_set_active(user=user, active=False, by=SYSTEM)
    roles, _detail = user.role_assignments.all().delete()
    devices = 0
    try:
        from django_otp import devices_for_user
    except ImportError:  # pragma: no cover - django-otp is installed
        devices_for_user = None
    if devices_for_user is not None:
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            devices += 1
    identity = getattr(user, "oidc_identity", None)
    if identity is not None:
        identity.delete()
    return {"roles": roles, "devices": devices}
