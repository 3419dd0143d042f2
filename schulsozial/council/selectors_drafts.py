"""Reads of the drafting pages, always scoped to the user
(permissions.drafts_visible_q): drafts, templates, the sources a draft can
start from, and a draft as the writers read it (drafting.PaperDocument) with
its annex files."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import drafting
from . import permissions as perms
from .models import PaperDraft, PaperTemplate, PaperType


def drafts_visible_to(*, user: Any) -> QuerySet[PaperDraft]:
    return PaperDraft.objects.filter(perms.drafts_visible_q(user)).select_related(
        "municipality", "paper_type", "paper", "framework_version", "scenario", "template"
    )


def draft_of(*, user: Any, pk: int) -> PaperDraft:
    """The draft `pk` if the user may see it, else 404 (another
    municipality's draft does not exist for the user)."""
    draft = drafts_visible_to(user=user).filter(pk=pk).first()
    if draft is None:
        raise Http404
    return draft


def templates_visible_to(*, user: Any) -> QuerySet[PaperTemplate]:
    return PaperTemplate.objects.filter(perms.drafts_visible_q(user)).select_related(
        "municipality", "uploaded_by"
    )


def template_of(*, user: Any, pk: int) -> PaperTemplate:
    template = templates_visible_to(user=user).filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def paper_types_of(*, municipality_id: int) -> QuerySet[PaperType]:
    return PaperType.objects.filter(municipality_id=municipality_id)


def framework_sources(*, user: Any) -> QuerySet[Any]:
    """Framework versions a draft can start from: drafts, versions in
    consultation and adopted ones of the municipalities the user drafts for."""
    from schulsozial.concepts.models import FrameworkVersion
    from schulsozial.concepts.selectors import framework_versions_visible_to

    return (
        framework_versions_visible_to(user=user)
        .filter(municipality_id__in=perms.writing_municipality_ids(user))
        .exclude(status=FrameworkVersion.Status.SUPERSEDED)
        .order_by("municipality__name", "-number")
    )


def scenario_sources(*, user: Any) -> QuerySet[Any]:
    """Computed scenarios (adopted or drafts) of those municipalities."""
    from schulsozial.allocation.models import Scenario
    from schulsozial.allocation.selectors import scenarios_visible_to

    return (
        scenarios_visible_to(user=user)
        .filter(municipality_id__in=perms.writing_municipality_ids(user))
        .exclude(status=Scenario.Status.SUPERSEDED)
        .exclude(computed_at__isnull=True)
        .order_by("municipality__name", "-school_year__start", "name")
    )


def planned_steps(draft: PaperDraft) -> list[drafting.Step]:
    from .services_drafts import planned_steps as steps

    return steps(draft)


def draft_document(
    *, draft: PaperDraft, day: datetime.date | None = None
) -> drafting.PaperDocument:
    return drafting.PaperDocument(
        municipality=draft.municipality.name,
        title=draft.title,
        paper_type=draft.paper_type.name if draft.paper_type else "",
        lead_department=draft.lead_department,
        author=draft.author,
        consultations=[
            drafting.Step(s.body, s.date, drafting.role_label(s.role)) for s in planned_steps(draft)
        ],
        sachverhalt=draft.sachverhalt,
        beschlussvorschlag=draft.beschlussvorschlag,
        annexes=[str(a) for a in draft.attachments or [] if str(a).strip()],
        reference=draft.paper.reference if draft.paper_id and draft.paper else "",
        day=day or timezone.localdate(),
    )


def draft_annexes(*, draft: PaperDraft, user: Any) -> list[drafting.Annex]:
    """The annex files the platform makes for the draft's source, each
    rendered on demand: the framework concept and the synopsis against the
    previous version, or the scenario's PDF. Only what the user may see."""
    from schulsozial.core.exports import ExportInfo

    day = timezone.localdate()
    annexes: list[drafting.Annex] = []

    def name(title: str) -> str:
        number = len(annexes) + 1
        return ExportInfo(title=title, name=f"{_('annex')} {number} {title}").filename("pdf")

    version = draft.framework_version
    if version is not None:
        from schulsozial.concepts import export as concept_export
        from schulsozial.concepts import selectors as concept_selectors
        from schulsozial.concepts import synopsis

        from .services_drafts import previous_version

        if concept_selectors.visible_version(user=user, pk=str(version.pk)) is None:
            return []

        def framework_pdf() -> bytes:
            document = concept_export.framework_document(
                version=version,
                sections=concept_selectors.sections_of(version=version),
                standards=list(concept_selectors.standards_of(version=version)),
            )
            return concept_export.render_pdf(document)

        title = _("Framework concept for school social work (version %(n)s)") % {
            "n": version.number
        }
        annexes.append(drafting.Annex(title, name(title), render=framework_pdf))
        previous = previous_version(version)
        if (
            previous is not None
            and concept_selectors.visible_version(user=user, pk=str(previous.pk)) is not None
        ):

            def synopsis_pdf() -> bytes:
                document = synopsis.synopsis(
                    old=previous,
                    new=version,
                    pairs=concept_selectors.synopsis_pairs(old=previous, new=version),
                    day=day,
                )
                return synopsis.render_pdf(document)

            title = _("Synopsis of the changes (version %(old)s – version %(new)s)") % {
                "old": previous.number,
                "new": version.number,
            }
            annexes.append(drafting.Annex(title, name(title), render=synopsis_pdf))
    scenario = draft.scenario
    if scenario is not None:
        from schulsozial.allocation.selectors import scenarios_visible_to

        if scenario.result and scenarios_visible_to(user=user).filter(pk=scenario.pk).exists():
            from schulsozial.allocation.pdf import scenario_pdf

            title = _("Distribution scenario: %(name)s") % {"name": scenario.name}
            annexes.append(
                drafting.Annex(title, name(title), render=lambda: scenario_pdf(scenario))
            )
    return annexes
