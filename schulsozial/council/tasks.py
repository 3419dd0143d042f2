"""Background jobs of the council papers (django-tasks, database backend).

``import_oparl_task`` runs an OParl import started on the import page
(views_oparl); the worker (``manage.py db_worker``) runs it, the page
follows its progress on the run's row (oparl.importing.run_import)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from django_tasks import task

from schulsozial.accounts.models import User
from schulsozial.core.actors import SYSTEM


@task()
def import_oparl_task(run_id: int, files: bool = False) -> dict[str, Any]:
    """Walk the council system and write the matching papers, all or nothing.
    Acts as the user who started the run (their permissions are checked
    again when it writes: an account deactivated meanwhile writes nothing),
    or as the platform for a run without owner. `files`: attach the papers'
    files too (oparl.importing.fetch_files)."""
    from .models import OParlRun
    from .oparl.importing import run_import

    run = OParlRun.objects.get(pk=run_id)
    by: Any = SYSTEM
    if run.owner_id is not None:
        by = User.objects.filter(pk=run.owner_id, is_active=True).first() or AnonymousUser()
    with translation.override(settings.LANGUAGE_CODE):  # the stored messages are German
        run = run_import(run_id, by=by, files=files)
    return {"status": run.status, "created": run.created, "updated": run.updated}
