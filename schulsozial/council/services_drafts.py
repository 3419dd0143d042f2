"""Writes of the drafting pages: drafts of council papers (started from a
framework version, a distribution scenario or blank), their edits, their
submission (the draft becomes a council.Paper with its consultations and its
link), and the municipality's own DOCX templates. Every write is audited."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit

from . import drafting
from . import permissions as perms
from .models import Committee, Paper, PaperDraft, PaperTemplate, PaperType

EDITABLE_FIELDS = (
    "title",
    "paper_type",
    "lead_department",
    "author",
    "planned_consultations",
    "sachverhalt",
    "beschlussvorschlag",
    "attachments",
    "template",
)


def _require(by: Any, municipality_id: int | None) -> None:
    if not perms.can_manage_drafts(by, municipality_id):
        raise PermissionDenied


def _paper_type(municipality: Any, name: str, by: Any) -> PaperType:
    """The municipality's paper type of that name (the default list is
    created the first time; council.services keeps the list)."""
    from .services import paper_type_get_or_create

    return paper_type_get_or_create(municipality_id=municipality.pk, name=name, by=by)


#: How a municipality may name the committees of the default sequence
#: ("Ausschuss für Kinder, Jugend und Familie" is Herne's Jugendhilfeausschuss,
#: "Rat der Stadt" a council); "Integrationsrat" is no council.
_COMMITTEE_WORDS = {
    "Jugendhilfeausschuss": ("jugend",),
    "Schulausschuss": ("schul",),
}
_COUNCIL_NAMES = re.compile(r"^(?:rat|stadtrat|gemeinderat|rat der (?:stadt|gemeinde)\b.*)$")


def _committee_names(municipality: Any) -> list[str]:
    """The default sequence, each name as the municipality's own committee
    spells it: the same name, else one that contains the name, else one that
    contains its key word (Jugend, Schul); the council only by a council's name."""
    names = [s.body for s in drafting.default_consultations()]
    own = list(Committee.objects.filter(municipality=municipality).values_list("name", flat=True))
    out = []
    for name in names:
        match = next((c for c in own if c.casefold() == name.casefold()), None)
        if match is None and name == "Rat":
            match = next((c for c in own if _COUNCIL_NAMES.match(c.casefold().strip())), None)
        elif match is None:
            match = next((c for c in own if name.casefold() in c.casefold()), None)
            words = _COMMITTEE_WORDS.get(name, ())
            match = match or next(
                (c for c in own if any(w in c.casefold() for w in words) and c not in out), None
            )
        out.append(match or name)
    return out


def consultations_json(steps: list[drafting.Step]) -> list[dict[str, str]]:
    return [
        {
            "committee": s.body,
            "date": s.date.isoformat() if s.date else "",
            "role": s.role,
        }
        for s in steps
    ]


def previous_version(version: Any) -> Any:
    """The version a new framework version is compared with: the one it was
    based on, else the municipality's latest earlier version."""
    from schulsozial.concepts.models import FrameworkVersion

    if version.based_on_id:
        return version.based_on
    return (
        FrameworkVersion.objects.filter(
            municipality_id=version.municipality_id, number__lt=version.number
        )
        .order_by("-number")
        .first()
    )


def framework_version_day(version: Any) -> datetime.date:
    """The date the paper names the version by ("in der Fassung vom ...")."""
    return version.decision_date or timezone.localdate()


def _create(
    *, municipality: Any, kind: str, start: drafting.DraftStart, by: Any, **links: Any
) -> PaperDraft:
    draft = PaperDraft(
        municipality=municipality,
        template_kind=kind,
        title=start.title[:500],
        paper_type=_paper_type(municipality, start.paper_type, by),
        author=getattr(by, "display_name", "") or getattr(by, "username", ""),
        planned_consultations=consultations_json(start.consultations),
        sachverhalt=start.sachverhalt,
        beschlussvorschlag=start.beschlussvorschlag,
        attachments=list(start.annexes),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **links,
    )
    draft.full_clean()
    draft.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=draft,
        changes={"template_kind": kind, **{k: str(v) for k, v in links.items() if v}},
    )
    return draft


@transaction.atomic
def draft_start_framework(*, version: Any, by: Any) -> PaperDraft:
    """A draft "Beschluss des Rahmenkonzepts (neue Fassung)" from a framework
    version (draft, in consultation or adopted), its changes summed up
    against the previous version."""
    from schulsozial.concepts import selectors as concept_selectors
    from schulsozial.concepts.models import FrameworkVersion

    _require(by, version.municipality_id)
    if version.status == FrameworkVersion.Status.SUPERSEDED:
        raise ValidationError(_("A superseded version cannot be put to the council again."))
    previous = previous_version(version)
    changes = (
        drafting.framework_changes(concept_selectors.synopsis_pairs(old=previous, new=version))
        if previous is not None
        else {}
    )
    start = drafting.framework_start(
        municipality=version.municipality.name,
        version_title=version.title,
        version_number=version.number,
        version_day=framework_version_day(version),
        previous_number=previous.number if previous is not None else None,
        previous_decision=previous.decision_date if previous is not None else None,
        changes=changes,
        committees=_committee_names(version.municipality),
    )
    return _create(
        municipality=version.municipality,
        kind=PaperDraft.TemplateKind.FRAMEWORK,
        start=start,
        by=by,
        framework_version=version,
    )


@transaction.atomic
def draft_start_distribution(*, scenario: Any, by: Any) -> PaperDraft:
    """A draft "Verteilung der Stellen für Schulsozialarbeit im Schuljahr X"
    from a computed scenario (adopted or a draft chosen for the council)."""
    from schulsozial.allocation.rules_text import describe, number

    _require(by, scenario.municipality_id)
    result = scenario.result or {}
    if not result.get("schools"):
        raise ValidationError(_("The scenario has not been computed yet."))
    text = describe(scenario.rules_toml)
    rules: list[tuple[str, str]] = []
    criteria: list[str] = []
    if text is not None:
        rules += list(text.shared)
        for layer in text.layers:
            prefix = f"{layer.name}: " if layer.name else ""
            rules += [(f"{prefix}{label}", value) for label, value in layer.facts]
            criteria += list(layer.criteria)
    start = drafting.distribution_start(
        municipality=scenario.municipality.name,
        school_year=str(scenario.school_year),
        scenario_name=scenario.name,
        total_fte=number(result.get("total_fte", 0), 2),
        current_fte=number(result.get("current_total", 0), 2),
        schools=len(result["schools"]),
        rules=rules,
        criteria=criteria,
        committees=_committee_names(scenario.municipality),
    )
    return _create(
        municipality=scenario.municipality,
        kind=PaperDraft.TemplateKind.DISTRIBUTION,
        start=start,
        by=by,
        scenario=scenario,
    )


@transaction.atomic
def draft_start_blank(
    *, municipality: Any, by: Any, template: PaperTemplate | None = None
) -> PaperDraft:
    """An empty draft (for the municipality's own template or free text)."""
    _require(by, municipality.pk)
    if template is not None and template.municipality_id != municipality.pk:
        raise ValidationError(_("The template belongs to another municipality."))
    start = drafting.DraftStart(
        title=_("New council paper"),
        paper_type=drafting.DECISION_PAPER,
        consultations=drafting.default_consultations(_committee_names(municipality)),
        sachverhalt="",
        beschlussvorschlag="",
        annexes=[],
    )
    return _create(
        municipality=municipality,
        kind=PaperDraft.TemplateKind.CUSTOM,
        start=start,
        by=by,
        template=template,
    )


@transaction.atomic
def draft_update(*, draft: PaperDraft, expected_version: int, by: Any, **data: Any) -> PaperDraft:
    """Change the texts, the Beratungsfolge and the annexes of a draft that
    is not submitted yet (optimistic locking by `expected_version`)."""
    draft = PaperDraft.objects.select_for_update().get(pk=draft.pk)
    _require(by, draft.municipality_id)
    if draft.status != PaperDraft.Status.DRAFT:
        raise ValidationError(_("A submitted draft cannot be changed any more."))
    if draft.lock_version != expected_version:
        raise ValidationError(
            _(
                "Someone else saved this draft in the meantime. Reload it and apply your change again."
            )
        )
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    paper_type = data.get("paper_type")
    if paper_type is not None and paper_type.municipality_id != draft.municipality_id:
        raise ValidationError(_("The paper type belongs to another municipality."))
    template = data.get("template")
    if template is not None and template.municipality_id != draft.municipality_id:
        raise ValidationError(_("The template belongs to another municipality."))
    changed = {}
    for name, value in data.items():
        old = getattr(draft, name)
        if old != value:
            changed[name] = [str(old), str(value)] if name in ("paper_type", "template") else True
            setattr(draft, name, value)
    if not changed:
        return draft
    draft.lock_version += 1
    draft.full_clean()
    draft.save()
    # The texts can be long: the entry names what changed, not the texts.
    audit(actor=by, action=Action.UPDATE, obj=draft, changes=changed)
    return draft


@transaction.atomic
def draft_remove(*, draft: PaperDraft, by: Any) -> None:
    _require(by, draft.municipality_id)
    if draft.status != PaperDraft.Status.DRAFT:
        raise ValidationError(_("A submitted draft stays as a record of the paper."))
    audit(actor=by, action=Action.DELETE, obj=draft, changes={"title": draft.title})
    draft.delete()


@transaction.atomic
def draft_submit(
    *, draft: PaperDraft, reference: str, by: Any, date: datetime.date | None = None
) -> PaperDraft:
    """The draft went to the council system: with its reference it becomes
    a council paper (council.services.paper_create: its texts, type, lead
    department, author and the planned consultations in order) linked to its
    framework version or scenario (paper_link). A paper of that reference
    that exists already (imported from the council system) is taken instead
    of a second one, and keeps its record. Without a reference the draft is
    only marked as submitted; the reference can be entered later."""
    from .services import ConsultationData, paper_create, paper_link, reference_key

    draft = PaperDraft.objects.select_for_update().get(pk=draft.pk)
    _require(by, draft.municipality_id)
    if draft.paper_id:
        raise ValidationError(_("This draft has become a council paper already."))
    reference = " ".join(reference.split())
    changes: dict[str, Any] = {}
    if draft.status != PaperDraft.Status.SUBMITTED:
        changes["status"] = [draft.status, PaperDraft.Status.SUBMITTED]
        draft.status = PaperDraft.Status.SUBMITTED
    if reference:
        key = reference_key(reference)
        paper = next(
            (
                p
                for p in Paper.objects.filter(municipality_id=draft.municipality_id)
                if reference_key(p.reference) == key
            ),
            None,
        )
        if paper is None:
            steps = [
                ConsultationData(committee=s.body, date=s.date, role=_role_code(s.role))
                for s in planned_steps(draft)
                if s.body.strip()
            ]
            paper = paper_create(
                municipality_id=draft.municipality_id,
                data={
                    "reference": reference,
                    "title": draft.title,
                    "paper_type": draft.paper_type,
                    "lead_department": draft.lead_department,
                    "author": draft.author,
                    "date": date or timezone.localdate(),
                    "beschlussvorschlag": draft.beschlussvorschlag,
                    "sachverhalt": draft.sachverhalt,
                },
                consultations=steps,
                by=by,
            )
            changes["paper"] = "created"
        else:
            changes["paper"] = "existing"
        if draft.framework_version_id:
            paper_link(paper=paper, framework_version=draft.framework_version, by=by)
        elif draft.scenario_id:
            paper_link(paper=paper, scenario=draft.scenario, by=by)
        draft.paper = paper
        changes["reference"] = paper.reference
    if not changes:
        return draft
    draft.lock_version += 1
    draft.save(update_fields=["status", "paper", "lock_version", "updated_at"])
    audit(actor=by, action=Action.UPDATE, obj=draft, changes=changes)
    return draft


def planned_steps(draft: PaperDraft) -> list[drafting.Step]:
    """The draft's planned consultations (JSON) as steps, dates read back."""
    steps = []
    for item in draft.planned_consultations or []:
        day = str(item.get("date") or "")
        try:
            when = datetime.date.fromisoformat(day) if day else None
        except ValueError:
            when = None
        steps.append(
            drafting.Step(str(item.get("committee") or ""), when, str(item.get("role") or ""))
        )
    return steps


def _role_code(role: str) -> str:
    from .models import Consultation

    return role if role in Consultation.Role.values else ""


# --------------------------------------------------------------------------- templates


@transaction.atomic
def template_upload(
    *, municipality: Any, name: str, data: bytes, filename: str, by: Any
) -> PaperTemplate:
    """Store a municipality's own DOCX template after it passed
    drafting.check_template (a .docx within the limits, only known
    placeholders, renders with sample data)."""
    _require(by, municipality.pk)
    problems = drafting.check_template(data)
    if problems:
        raise ValidationError(problems)
    template = PaperTemplate(
        municipality=municipality,
        name=name.strip()[:200],
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    template.file.save(f"vorlage-{municipality.pk}.docx", ContentFile(data), save=False)
    template.full_clean()
    template.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=template,
        changes={"name": template.name, "file": filename[:200], "size": len(data)},
    )
    return template


@transaction.atomic
def template_remove(*, template: PaperTemplate, by: Any) -> None:
    """Remove a template; drafts that used it export with the built-in layout."""
    _require(by, template.municipality_id)
    audit(actor=by, action=Action.DELETE, obj=template, changes={"name": template.name})
    storage, path = template.file.storage, template.file.name
    template.delete()
    if path:
        transaction.on_commit(lambda: storage.delete(path))
