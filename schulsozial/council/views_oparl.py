"""Pages of the OParl import: start a run (form and the municipality's last
runs), follow its progress, read its result. The run itself is a background
task (tasks.import_oparl_task); see oparl/importing.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.accounts.http import AuthenticatedHttpRequest
from schulsozial.core.listing import require
from schulsozial.masterdata.models import Municipality

from .models import OParlRun
from .oparl import importing
from .oparl import permissions as perms
from .oparl.forms import OParlImportForm

REFRESH_SECONDS = 2


def _stage_text(run: OParlRun) -> str:
    texts = {
        "": _("Waiting for the import to start."),
        "papers": _("Reading the list of papers: %(count)s read."),
        "organizations": _("Reading the committees: %(count)s read."),
        "meetings": _("Reading the meetings: %(count)s read."),
        "files": _("Fetching the files of the papers."),
    }
    if run.status == OParlRun.Status.RUNNING and not run.stage:
        return _("Asking the council system for its body and lists.")
    if run.stage == "saving":
        return ngettext("Saving %(count)s paper.", "Saving %(count)s papers.", run.stage_count) % {
            "count": run.stage_count
        }
    return texts.get(run.stage, texts[""]) % {"count": run.stage_count}


@login_required
def oparl_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(perms.can_use_oparl_import(request.user))
    municipalities = Municipality.objects.filter(
        pk__in=perms.import_municipality_ids(request.user)
    ).order_by("name")
    form = OParlImportForm(request.POST or None, municipalities=municipalities)
    last = OParlRun.objects.filter(
        source__municipality__in=municipalities, status=OParlRun.Status.DONE
    ).first()
    if last is not None and not form.is_bound:
        form.initial.update(url=last.source.url, keywords=", ".join(last.keywords))
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        require(perms.can_import_oparl(request.user, municipality.pk))
        from .tasks import import_oparl_task

        with transaction.atomic():  # the worker sees the task only with its row
            run = importing.run_create(
                municipality_id=municipality.pk,
                url=form.cleaned_data["url"],
                keywords=form.cleaned_data["keywords"],
                by=request.user,
                full=form.cleaned_data["full"],
            )
            import_oparl_task.enqueue(run.pk, files=form.cleaned_data["attach_files"])
        return HttpResponseRedirect(reverse("council:oparl_progress", args=[run.pk]))
    runs = importing.runs_visible_to(user=request.user)[:10]
    return render(
        request,
        "council/oparl_import.html",
        {"title": _("Import from the council information system"), "form": form, "runs": runs},
    )


@login_required
def oparl_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """What a running import does; refreshes itself until it has finished."""
    require(perms.can_use_oparl_import(request.user))
    importing.fail_stale_runs(municipality_id=None)
    run = get_object_or_404(importing.runs_visible_to(user=request.user), pk=pk)
    htmx = bool(request.htmx)
    if run.finished:
        result = reverse("council:oparl_result", args=[run.pk])
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = result
            return response
        return HttpResponseRedirect(result)
    return render(
        request,
        "council/oparl_progress.html#progress" if htmx else "council/oparl_progress.html",
        {
            "title": _("Import running"),
            "run": run,
            "stage": _stage_text(run),
            "since": importing.since_text(run.modified_since),
            "refresh": REFRESH_SECONDS,
        },
    )


@login_required
def oparl_result(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The counts and the papers new or changed, the warnings; or the error
    (then nothing was written)."""
    require(perms.can_use_oparl_import(request.user))
    run = get_object_or_404(importing.runs_visible_to(user=request.user), pk=pk)
    if not run.finished:
        return HttpResponseRedirect(reverse("council:oparl_progress", args=[run.pk]))
    context: dict[str, Any] = {
        "title": _("Import result"),
        "run": run,
        "since": importing.since_text(run.modified_since),
        "papers": [],
    }
    if run.status == OParlRun.Status.DONE:
        context["papers"] = importing.run_papers(run)
        context["files"] = importing.run_files(run)
    return render(request, "council/oparl_result.html", context)
