"""The decision fields of the framework versions become council papers (issue 14).

Until now a framework version recorded its adoption in three free-text fields
(deciding body, date of decision, council paper number). Each version with a
decision becomes a Paper (reference = the paper number; a version without one
gets "ohne Nummer (Rahmenkonzept Fassung N)"), one Consultation (the body as
committee, the date, role Entscheidung, result "beschlossen") and a PaperLink
to the version. Two versions that recorded the same number share the paper
(the old form accepted duplicates); its consultations are added once each.
concepts 0004 then removes the fields (concepts 0003 replaced the check
constraint first, so that a reversal restores the data before the old check).
"""

from django.db import migrations

DEFAULT_PAPER_TYPES = [
    "Berichtsvorlage",
    "Beschlussvorlage",
    "Mitteilungsvorlage",
    "Antrag",
    "Anfrage",
]


def key(reference):
    return "".join((reference or "").split()).casefold()


def forwards(apps, schema_editor):
    FrameworkVersion = apps.get_model("concepts", "FrameworkVersion")
    Paper = apps.get_model("council", "Paper")
    PaperType = apps.get_model("council", "PaperType")
    Committee = apps.get_model("council", "Committee")
    Consultation = apps.get_model("council", "Consultation")
    PaperLink = apps.get_model("council", "PaperLink")

    versions = FrameworkVersion.objects.exclude(decision_date__isnull=True, paper_number="")
    for version in versions.order_by("municipality_id", "number"):
        mun = version.municipality_id
        if not PaperType.objects.filter(municipality_id=mun).exists():
            for order, name in enumerate(DEFAULT_PAPER_TYPES, start=1):
                PaperType.objects.create(municipality_id=mun, name=name, order=order)
        kind = PaperType.objects.filter(municipality_id=mun, name="Beschlussvorlage").first()
        reference = " ".join((version.paper_number or "").split()) or (
            f"ohne Nummer (Rahmenkonzept Fassung {version.number})"
        )
        paper = next(
            (
                p
                for p in Paper.objects.filter(municipality_id=mun)
                if key(p.reference) == key(reference)
            ),
            None,
        )
        if paper is None:
            paper = Paper.objects.create(
                municipality_id=mun,
                reference=reference[:100],
                title=version.title[:500],
                paper_type=kind,
                status="public",
                date=version.decision_date,
                is_demo=version.is_demo,
            )
        body = " ".join((version.decision_body or "").split()) or "Gremium (nicht erfasst)"
        committee = Committee.objects.filter(municipality_id=mun, name__iexact=body).first()
        if committee is None:
            committee = Committee.objects.create(municipality_id=mun, name=body[:200])
        if not Consultation.objects.filter(
            paper=paper, committee=committee, date=version.decision_date
        ).exists():
            Consultation.objects.create(
                paper=paper,
                order=Consultation.objects.filter(paper=paper).count() + 1,
                committee=committee,
                date=version.decision_date,
                role="decision",
                result="beschlossen",
            )
        PaperLink.objects.get_or_create(paper=paper, framework_version=version)


def backwards(apps, schema_editor):
    """Writes the deciding paper back into the fields (concepts 0004 reversed
    has restored them)."""
    FrameworkVersion = apps.get_model("concepts", "FrameworkVersion")
    PaperLink = apps.get_model("council", "PaperLink")
    for link in PaperLink.objects.filter(framework_version__isnull=False).select_related("paper"):
        step = (
            link.paper.consultations.filter(role="decision").order_by("-order").first()
            or link.paper.consultations.order_by("-order").first()
        )
        FrameworkVersion.objects.filter(pk=link.framework_version_id).update(
            paper_number=link.paper.reference[:50],
            decision_body=step.committee.name[:200] if step else "",
            decision_date=step.date if step and step.date else link.paper.date,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("council", "0002_oparl_import"),
        ("concepts", "0003_adopted_has_review_due"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
