"""The timer commands on core.commands.JobCommand: each hands its job to the
background worker with --enqueue (the tests' immediate backend runs it at
once) and confirms in German, and runs in the command without it."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

COMMANDS = {
    "purge_pending_imports": [],
    "send_digests": [],
    "send_reminders": [],
    "apply_retention": ["--dry-run"],
    "apply_audit_retention": ["--dry-run"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_enqueue_hands_the_job_to_the_worker_and_says_so_in_german(name):
    out = StringIO()
    call_command(name, *COMMANDS[name], "--enqueue", stdout=out)
    assert re.fullmatch(r"Auftrag .+ \S+ an den Hintergrunddienst übergeben\.\n", out.getvalue()), (
        out.getvalue()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_without_enqueue_the_command_runs_itself(name, world):
    out = StringIO()
    call_command(name, *COMMANDS[name], stdout=out)
    assert "Hintergrunddienst" not in out.getvalue()
    assert out.getvalue().strip()
