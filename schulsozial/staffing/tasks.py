"""Background job of the staffing plan (django-tasks, database backend): a
large plan is calculated here (services.plan_solve enqueues it on commit);
the plan's progress page follows the solver through `StaffingPlan.progress`."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def solve_plan_task(plan_id: int) -> dict[str, Any]:
    """Calculate a plan (services.solve_run) and report its status."""
    from .services import solve_run

    plan = solve_run(plan_id=plan_id)
    return {"status": plan.status, "error": bool(plan.error)}
