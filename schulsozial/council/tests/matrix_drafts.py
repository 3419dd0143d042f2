"""Rows of the permission matrix for the drafting pages (views_drafts.py),
merged into this app's matrix.py: coordination of the municipality only;
every other role is refused (403) before a draft is loaded, anonymous
visitors go to the login page."""

from __future__ import annotations

from typing import Any

from schulsozial.testing.matrix import LOGIN, row

ONLY_COORDINATION = row(200, 403, 403, 403, 403, 403, 403, LOGIN)
ONLY_COORDINATION_POST = row(302, 403, 403, 403, 403, 403, 403, LOGIN)

DRAFT_EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "council:draft_list": ("get", ONLY_COORDINATION),
    "council:draft_start": ("get", ONLY_COORDINATION),
    "council:draft_detail": ("get", ONLY_COORDINATION),
    "council:draft_edit": ("get", ONLY_COORDINATION),
    "council:draft_remove": ("post", ONLY_COORDINATION_POST),
    "council:draft_submit": ("get", ONLY_COORDINATION),
    "council:draft_export": ("get", ONLY_COORDINATION),
    "council:draft_annex": ("get", ONLY_COORDINATION),
    "council:template_list": ("get", ONLY_COORDINATION),
    "council:template_upload": ("get", ONLY_COORDINATION),
    "council:template_sample": ("get", ONLY_COORDINATION),
    "council:template_download": ("get", ONLY_COORDINATION),
    "council:template_remove": ("post", ONLY_COORDINATION_POST),
}


def draft_url_args(name: str, world: Any) -> dict[str, list]:
    from django.core.files.base import ContentFile

    from schulsozial.concepts.models import FrameworkVersion
    from schulsozial.core.actors import SYSTEM
    from schulsozial.council import drafting, services_drafts
    from schulsozial.council.models import PaperTemplate

    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    version = FrameworkVersion.objects.filter(municipality=world.town).first()
    if version is None:
        version = FrameworkVersion.objects.create(
            municipality=world.town, number=1, title="Rahmenkonzept Teststadt"
        )
    framework_draft = services_drafts.draft_start_framework(version=version, by=SYSTEM)
    template = PaperTemplate(municipality=world.town, name="Vorlage Teststadt")
    template.file.save("matrix.docx", ContentFile(drafting.sample_template()), save=True)
    return {
        "council:draft_detail": [draft.pk],
        "council:draft_edit": [draft.pk],
        "council:draft_remove": [draft.pk],
        "council:draft_submit": [draft.pk],
        "council:draft_export": [draft.pk, "docx"],
        "council:draft_annex": [framework_draft.pk, 1],
        "council:template_download": [template.pk],
        "council:template_remove": [template.pk],
    }
