"""Every URL pattern × every persona, with the expected outcome.

The list of URLs comes from the URL configuration itself: a new URL without a
row in EXPECTED fails `test_every_url_pattern_has_a_rule`, so no page can be
added without deciding who may open it.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from schulsozial.testing.matrix import APP_MATRICES, LOGIN, row
from schulsozial.testing.personas import PERSONA_NAMES

# Order of the columns: coordinator, carrier, worker, worker2, principal,
# committee, admin (municipal administration), anonymous.
C, T, W, W2, P, G, A, X = PERSONA_NAMES


EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    # name: (method, outcome per persona)
    "dashboard:home": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "dashboard:about": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "dashboard:healthz": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "dashboard:help": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "dashboard:glossary": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:login": ("get", row(302, 302, 302, 302, 302, 302, 302, 200)),
    "accounts:logout": ("post", row(302, 302, 302, 302, 302, 302, 302, 302)),
    "accounts:user_list": ("get", row(403, 403, 403, 403, 403, 403, 200, LOGIN)),
    "accounts:user_create": ("get", row(403, 403, 403, 403, 403, 403, 200, LOGIN)),
    "accounts:user_detail": ("get", row(403, 403, 403, 403, 403, 403, 200, LOGIN)),
    "accounts:role_create": ("get", row(404, 404, 404, 404, 404, 404, 200, LOGIN)),
    "accounts:role_remove": ("post", row(403, 403, 403, 403, 403, 403, 302, LOGIN)),
    "accounts:audit_list": ("get", row(403, 403, 403, 403, 403, 403, 200, LOGIN)),
    # Two-factor login: every account may set it up; without a device the
    # verification, switch-off and new recovery codes send back (302). The
    # municipality's switch: its coordination and administration. Single
    # sign-on is off in the tests (404); group mappings: administration.
    "accounts:twofactor": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "accounts:twofactor_setup": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "accounts:twofactor_verify": ("get", row(302, 302, 302, 302, 302, 302, 302, LOGIN)),
    "accounts:twofactor_disable": ("get", row(302, 302, 302, 302, 302, 302, 302, LOGIN)),
    "accounts:twofactor_recovery": ("get", row(302, 302, 302, 302, 302, 302, 302, LOGIN)),
    "accounts:twofactor_policy": ("get", row(200, 403, 403, 403, 403, 403, 200, LOGIN)),
    "accounts:twofactor_reset": ("post", row(403, 403, 403, 403, 403, 403, 302, LOGIN)),
    "accounts:oidc_login": ("get", row(404, 404, 404, 404, 404, 404, 404, 404)),
    "accounts:oidc_callback": ("get", row(404, 404, 404, 404, 404, 404, 404, 404)),
    "accounts:oidc_mappings": ("get", row(403, 403, 403, 403, 403, 403, 200, LOGIN)),
    "accounts:oidc_mapping_remove": ("post", row(403, 403, 403, 403, 403, 403, 302, LOGIN)),
    # Own account, password change and reset (F-16); account actions of the
    # administrator need every role of the account in its municipalities.
    "accounts:own_account": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "accounts:logout_everywhere": ("post", row(302, 302, 302, 302, 302, 302, 302, LOGIN)),
    "accounts:password_change": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "accounts:password_change_done": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "accounts:password_reset": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:password_reset_done": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:password_reset_confirm": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:password_reset_complete": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    "accounts:user_deactivate": ("post", row(403, 403, 403, 403, 403, 403, 302, LOGIN)),
    "accounts:user_activate": ("post", row(403, 403, 403, 403, 403, 403, 302, LOGIN)),
    "accounts:user_password": ("get", row(404, 404, 404, 404, 404, 404, 200, LOGIN)),
    "accounts:user_unlock": ("post", row(403, 403, 403, 403, 403, 403, 302, LOGIN)),
    "accounts:user_update": ("get", row(404, 404, 404, 404, 404, 404, 200, LOGIN)),
    "set_language": ("post", row(302, 302, 302, 302, 302, 302, 302, 302)),
    "masterdata:municipality_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "masterdata:municipality_create": ("get", row(403, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:municipality_detail": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "masterdata:municipality_update": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:school_year_list": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "masterdata:school_year_create": ("get", row(200, 403, 403, 403, 403, 403, 200, LOGIN)),
    "masterdata:school_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "masterdata:school_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:school_import": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:school_import_template": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:school_detail": ("get", row(200, 200, 200, 404, 200, 200, 403, LOGIN)),
    "masterdata:school_update": ("get", row(200, 403, 403, 404, 403, 403, 404, LOGIN)),
    "masterdata:school_figures": ("get", row(200, 403, 403, 404, 403, 403, 404, LOGIN)),
    "masterdata:carrier_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "masterdata:carrier_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:carrier_detail": ("get", row(200, 200, 200, 404, 200, 200, 403, LOGIN)),
    "masterdata:carrier_update": ("get", row(200, 403, 403, 404, 403, 403, 404, LOGIN)),
    "masterdata:staff_list": ("get", row(200, 200, 200, 200, 403, 403, 403, LOGIN)),
    "masterdata:staff_create": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:staff_detail": ("get", row(200, 200, 200, 404, 403, 403, 403, LOGIN)),
    "masterdata:staff_update": ("get", row(200, 200, 403, 404, 404, 404, 404, LOGIN)),
    # Data subject rights (Art. 15/17): coordination and the employing carrier.
    "privacy:staff_data_export": ("get", row(200, 200, 403, 404, 404, 404, 404, LOGIN)),
    "privacy:staff_pseudonymise": ("get", row(200, 200, 403, 404, 404, 404, 404, LOGIN)),
    "masterdata:funding_list": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:funding_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:funding_detail": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:funding_update": ("get", row(200, 404, 404, 404, 404, 404, 404, LOGIN)),
    "masterdata:funding_budget": ("get", row(200, 404, 404, 404, 404, 404, 404, LOGIN)),
    "masterdata:position_list": ("get", row(200, 200, 200, 200, 200, 403, 403, LOGIN)),
    "masterdata:position_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "masterdata:position_detail": ("get", row(200, 200, 200, 404, 200, 403, 403, LOGIN)),
    "masterdata:position_update": ("get", row(200, 403, 403, 404, 403, 404, 404, LOGIN)),
    "masterdata:position_assign": ("get", row(200, 403, 403, 404, 403, 404, 404, LOGIN)),
    "masterdata:assignment_remove": ("post", row(302, 403, 403, 404, 403, 404, 404, LOGIN)),
    # Concepts (issue #4). Draft/consultation pages use the version in
    # consultation (the worker is invited in person, principals by role);
    # detail and export use the adopted version; the school concept is the
    # draft of school 0 (worker's, principal's, served by the carrier).
    "concepts:overview": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "concepts:review_list": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "concepts:framework_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:framework_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "concepts:framework_compare": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:framework_detail": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:framework_export": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:section_create": ("get", row(200, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:section_update": ("get", row(200, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:section_remove": ("post", row(302, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:standard_create": ("get", row(200, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:standard_update": ("get", row(200, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:standard_remove": ("post", row(302, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:consultation_open": ("get", row(200, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:consultation_close": ("post", row(302, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:framework_adopt": ("get", row(200, 404, 403, 404, 403, 404, 403, LOGIN)),
    "concepts:framework_transition": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    # Without ?a=&b= there is nothing to compare (404); test_synopsis covers the versions.
    "concepts:framework_synopsis": ("get", row(404, 404, 404, 404, 404, 404, 403, LOGIN)),
    "concepts:framework_new_version": ("post", row(302, 403, 403, 403, 403, 403, 403, LOGIN)),
    "concepts:comment_create": ("get", row(403, 404, 200, 404, 200, 404, 403, LOGIN)),
    "concepts:comment_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:comment_answer": ("get", row(200, 404, 403, 404, 404, 404, 403, LOGIN)),
    "concepts:idea_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:idea_create": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:idea_convert": ("get", row(200, 404, 403, 404, 404, 404, 403, LOGIN)),
    "concepts:linked_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "concepts:linked_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "concepts:linked_update": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "concepts:linked_file": ("get", row(404, 404, 404, 404, 404, 404, 403, LOGIN)),
    "concepts:school_concept_list": ("get", row(200, 200, 200, 200, 200, 403, 403, LOGIN)),
    "concepts:school_concept_create": ("post", row(403, 403, 302, 404, 403, 403, 403, LOGIN)),
    "concepts:school_concept_detail": ("get", row(200, 200, 200, 404, 200, 403, 403, LOGIN)),
    "concepts:school_section_update": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "concepts:implementation_update": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "concepts:school_concept_transition": ("post", row(403, 403, 302, 404, 403, 403, 403, LOGIN)),
    "concepts:review_interval": ("get", row(200, 403, 403, 404, 403, 403, 403, LOGIN)),
    "concepts:school_concept_export": ("get", row(200, 200, 200, 404, 200, 403, 403, LOGIN)),
    "concepts:goal_list": ("get", row(200, 200, 200, 200, 200, 403, 403, LOGIN)),
    "concepts:goal_create": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "concepts:goal_update": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "concepts:goal_review": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    # Distribution: a draft scenario is coordination's alone; others see adopted ones only.
    "allocation:scenario_list": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "allocation:scenario_create": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "allocation:compare": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "allocation:scenario_detail": ("get", row(200, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:scenario_edit": ("get", row(200, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:scenario_edit_toml": ("get", row(200, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:scenario_adopt": ("get", row(200, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:scenario_copy": ("post", row(302, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:scenario_recompute": ("post", row(302, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:scenario_export": ("get", row(200, 404, 404, 404, 404, 404, 403, LOGIN)),
    "allocation:school_explanation": ("get", row(200, 404, 404, 404, 404, 404, 403, LOGIN)),
    # Documentation (issue #5): single records are the social worker's own;
    # coordination keeps the catalogues; carriers (and coordination) manage API
    # keys. The API accepts only its own bearer tokens, never a session.
    "activities:home": ("get", row(302, 302, 302, 302, 403, 403, 403, LOGIN)),
    "activities:activity_list": ("get", row(403, 403, 200, 200, 403, 403, 403, LOGIN)),
    "activities:activity_create": ("get", row(403, 403, 200, 200, 403, 403, 403, LOGIN)),
    "activities:activity_update": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "activities:activity_delete": ("post", row(403, 403, 302, 404, 403, 403, 403, LOGIN)),
    "activities:week": ("get", row(403, 403, 200, 200, 403, 403, 403, LOGIN)),
    "activities:import": ("get", row(403, 403, 200, 200, 403, 403, 403, LOGIN)),
    # an import's progress and result: only the worker who started it
    "activities:import_progress": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "activities:import_result": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "activities:catalogue_list": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "activities:catalogue_create": ("post", row(302, 403, 403, 403, 403, 403, 403, LOGIN)),
    "activities:catalogue_update": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "activities:token_list": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "activities:token_revoke": ("post", row(302, 302, 403, 403, 403, 403, 403, LOGIN)),
    "api:activity_create": ("post", row(401, 401, 401, 401, 401, 401, 401, 401)),
    "api:catalogue_list": ("get", row(401, 401, 401, 401, 401, 401, 401, 401)),
    "api:staff_list": ("get", row(401, 401, 401, 401, 401, 401, 401, 401)),
    "api:schema": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
    # Statistics (issue #5): every content role sees its own scope.
    "statistics:report": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "statistics:export": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    # Notifications (issue 13): every user their own; the calendar feed opens
    # only with its owner's current secret, to nobody else (no login needed).
    "notifications:list": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "notifications:mark_read": ("post", row(404, 404, 302, 404, 404, 404, 404, LOGIN)),
    "notifications:mark_all_read": ("post", row(302, 302, 302, 302, 302, 302, 302, LOGIN)),
    "notifications:badge": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "notifications:preferences": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "notifications:calendar": ("get", row(200, 200, 200, 200, 200, 200, 200, LOGIN)),
    "notifications:feed": ("get", row(404, 404, 404, 404, 404, 404, 404, 404)),
    # Django's admin is for operators with is_staff; none of the personas is.
    "admin:*": ("get", row(302, 302, 302, 302, 302, 302, 302, 302)),
}
# The later apps keep their rows beside their code (schulsozial/testing/matrix.py).
_APP_MODULES = [import_module(path) for path in APP_MATRICES]
for _module in _APP_MODULES:
    EXPECTED.update(_module.EXPECTED)


def url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns: list, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                if namespace == "admin":
                    names.append("admin:*")
                    continue
                full = f"{namespace}:{entry.name}" if namespace else entry.name
                names.append(full or f"<unnamed {entry.pattern}>")

    walk(get_resolver().url_patterns, None)
    return sorted(set(names))


def test_every_url_pattern_has_a_rule():
    missing = [name for name in url_names() if name not in EXPECTED]
    assert not missing, f"URL patterns without a permission rule: {missing}"
    stale = [name for name in EXPECTED if name not in url_names()]
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def url_for(name: str, world) -> str:
    if name == "admin:*":
        return reverse("admin:index")
    school, position = world.schools[0], world.positions[0]
    worker = world.users["worker"]
    args = {
        "accounts:user_detail": [worker.pk],
        "accounts:role_create": [worker.pk],
        "accounts:twofactor_reset": [worker.pk],
        "accounts:role_remove": [worker.pk, worker.role_assignments.first().pk],
        "accounts:user_deactivate": [worker.pk],
        "accounts:user_activate": [worker.pk],
        "accounts:user_password": [worker.pk],
        "accounts:user_unlock": [worker.pk],
        "accounts:user_update": [worker.pk],
        "accounts:password_reset_confirm": ["MQ", "set-password"],
        "masterdata:municipality_detail": [world.town.pk],
        "masterdata:municipality_update": [world.town.pk],
        "masterdata:school_detail": [school.pk],
        "masterdata:school_update": [school.pk],
        "masterdata:school_figures": [school.pk],
        "masterdata:school_import_template": ["xlsx"],
        "masterdata:carrier_detail": [world.carrier.pk],
        "masterdata:carrier_update": [world.carrier.pk],
        "masterdata:staff_detail": [world.staff[0].pk],
        "masterdata:staff_update": [world.staff[0].pk],
        "privacy:staff_data_export": [world.staff[0].pk],
        "privacy:staff_pseudonymise": [world.staff[0].pk],
        "masterdata:funding_detail": [world.stream.pk],
        "masterdata:funding_update": [world.stream.pk],
        "masterdata:funding_budget": [world.stream.pk],
        "masterdata:position_detail": [position.pk],
        "masterdata:position_update": [position.pk],
        "masterdata:position_assign": [position.pk],
        "masterdata:assignment_remove": [position.pk, position.assignments.first().pk],
        **(_mapping_args(world) if name == "accounts:oidc_mapping_remove" else {}),
        **(_concept_args(world) if name.startswith("concepts:") else {}),
        **(_scenario_args(world) if name.startswith("allocation:") else {}),
        **(_activity_args(world) if name.startswith("activities:") else {}),
        **(_statistics_args() if name.startswith("statistics:") else {}),
        **(_notification_args(world) if name.startswith("notifications:") else {}),
        **_app_args(name, world),
    }.get(name, [])
    return reverse(name, args=args)


def _app_args(name: str, world) -> dict[str, list]:
    for module in _APP_MODULES:
        if name in module.EXPECTED:
            return module.url_args(name, world)
    return {}


def _scenario_args(world) -> dict[str, list]:
    from decimal import Decimal

    from schulsozial.allocation.services import scenario_create
    from schulsozial.allocation.templates_rules import pupils_only
    from schulsozial.core.actors import SYSTEM

    draft = scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Entwurf",
        rules_toml=pupils_only(Decimal("3")),
        by=SYSTEM,
    )
    one = [draft.pk]
    return {
        "allocation:scenario_detail": one,
        "allocation:scenario_edit": one,
        "allocation:scenario_edit_toml": one,
        "allocation:scenario_adopt": one,
        "allocation:scenario_copy": one,
        "allocation:scenario_recompute": one,
        "allocation:scenario_export": [draft.pk, "csv"],
        "allocation:school_explanation": [draft.pk, world.schools[0].school_number],
    }


def _mapping_args(world) -> dict[str, list]:
    from schulsozial.accounts.login_models import OIDCGroupMapping

    mapping = OIDCGroupMapping.objects.create(
        municipality=world.town, group="schulsozial-koordination", role="coordination"
    )
    return {"accounts:oidc_mapping_remove": [mapping.pk]}


def _statistics_args() -> dict[str, list]:
    return {"statistics:export": ["activity_type", "csv"]}


def _notification_args(world) -> dict[str, list]:
    """A notification of the worker; the worker's feed with a wrong secret."""
    from schulsozial.notifications.services import notify

    worker = world.users["worker"]
    (note,) = notify(recipients=[worker], kind="reminder", title="Erinnerung")
    return {
        "notifications:mark_read": [note.pk],
        "notifications:feed": [worker.pk, "kein-gueltiger-schluessel"],
    }


def _activity_args(world) -> dict[str, list]:
    from schulsozial.activities.tests.factories import doc_world

    dw = doc_world(world)
    return {
        "activities:activity_update": [dw.activity.pk],
        "activities:activity_delete": [dw.activity.pk],
        "activities:catalogue_update": [dw.entry("topic", "bullying").pk],
        "activities:token_revoke": [dw.token.pk],
        **_import_args(world),
    }


def _import_args(world) -> dict[str, list]:
    from schulsozial.activities.models import ActivityImport

    def job(status: str) -> int:
        return ActivityImport.objects.create(
            owner=world.users["worker"], filename="doku.csv", status=status, rows_total=10
        ).pk

    return {
        "activities:import_progress": [job(ActivityImport.Status.RUNNING)],
        "activities:import_result": [job(ActivityImport.Status.DONE)],
    }


def _concept_args(world) -> dict[str, list]:
    from schulsozial.concepts.tests.factories import concept_world

    cw = concept_world(world)
    draft, concept = cw.draft, cw.concept
    section, standard = draft.sections.get(key="goals"), draft.standards.get(code="ST-01")
    return {
        "concepts:framework_detail": [cw.adopted.pk],
        "concepts:framework_export": [cw.adopted.pk, "pdf"],
        "concepts:section_create": [draft.pk],
        "concepts:section_update": [draft.pk, section.pk],
        "concepts:section_remove": [draft.pk, section.pk],
        "concepts:standard_create": [draft.pk],
        "concepts:standard_update": [draft.pk, standard.pk],
        "concepts:standard_remove": [draft.pk, standard.pk],
        "concepts:consultation_open": [draft.pk],
        "concepts:consultation_close": [draft.pk],
        "concepts:framework_adopt": [draft.pk],
        "concepts:framework_transition": [cw.adopted.pk],
        "concepts:framework_synopsis": ["pdf"],
        "concepts:framework_new_version": [cw.adopted.pk],
        "concepts:comment_create": [draft.pk],
        "concepts:comment_answer": [cw.comment.pk],
        "concepts:idea_convert": [cw.idea.pk],
        "concepts:linked_update": [cw.linked.pk],
        "concepts:linked_file": [cw.linked.pk],
        "concepts:school_concept_create": [world.schools[0].pk],
        "concepts:school_concept_detail": [concept.pk],
        "concepts:school_section_update": [concept.pk, concept.sections.all()[0].pk],
        "concepts:implementation_update": [concept.pk, concept.implementations.all()[0].pk],
        "concepts:school_concept_transition": [concept.pk, "submit"],
        "concepts:review_interval": [concept.pk],
        "concepts:school_concept_export": [concept.pk, "docx"],
        "concepts:goal_create": [world.schools[0].pk],
        "concepts:goal_update": [cw.goal.pk],
        "concepts:goal_review": [cw.goal.pk],
    }


class _RollbackError(Exception):
    pass


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_permission_matrix(name, world, client_for):
    method, expected = EXPECTED[name]
    url = url_for(name, world)
    outcomes = {}
    for persona in PERSONA_NAMES:
        client = client_for(persona)
        try:
            with transaction.atomic():
                response = getattr(client, method)(
                    url, {"language": "de"} if name == "set_language" else {}
                )
                outcomes[persona] = response.status_code
                raise _RollbackError  # a permitted POST must not change what the next persona sees
        except _RollbackError:
            pass
    assert outcomes == expected, f"{name} ({url})"


def test_worker_in_other_municipality_cannot_open_foreign_records(world, client_for):
    client = client_for("coordinator")
    for url in (
        reverse("masterdata:school_detail", args=[world.other_school.pk]),
        reverse("masterdata:staff_detail", args=[world.foreign_staff.pk]),
        reverse("masterdata:position_detail", args=[world.foreign_position.pk]),
        reverse("masterdata:carrier_detail", args=[world.foreign_carrier.pk]),
        reverse("masterdata:municipality_detail", args=[world.other_town.pk]),
    ):
        assert client.get(url).status_code == 404, url
