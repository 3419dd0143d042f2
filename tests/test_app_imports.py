"""No two apps import each other at module level.

An app's modules may import another app's modules at the top only if that
app imports none of the first one's there (imports inside functions and
under `if TYPE_CHECKING:` do not count). The shared base of the rules,
accounts.permissions, is imported by every app; so accounts imports none of
them at the top (masterdata, for instance, reaches accounts, never the other
way round), and the statistics read activities' records while activities
never import statistics at the top (the record writers reach the rollups
through activities/hooks.py, registered by the statistics app). Read from the source with `ast`, so a
cycle fails here before Python's import order hides it."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "schulsozial"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(body: list[ast.stmt], package: list[str]) -> list[str]:
    """Absolute names imported by the statements run when the module loads."""
    found: list[str] = []
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += _top_level_imports(node.body, package)
            found += _top_level_imports(node.orelse, package)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                found += _top_level_imports(block, package)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.append(".".join([*base, *([node.module] if node.module else [])]))
            else:
                found.append(node.module or "")
    return found


def app_imports() -> dict[str, dict[str, str]]:
    """{app: {imported app: first module of app importing it}} for the
    modules of each app (its tests and migrations aside)."""
    edges: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if len(parts) < 3 or "tests" in parts or "migrations" in parts:
            continue
        app = parts[1]
        package = list(parts if path.name == "__init__.py" else parts[:-1])
        if path.name == "__init__.py":
            package = package[:-1]
        for name in _top_level_imports(ast.parse(path.read_text()).body, package):
            bits = name.split(".")
            if bits[0] == "schulsozial" and len(bits) > 1 and bits[1] != app:
                edges[app].setdefault(bits[1], ".".join(parts))
    return edges


def test_the_reader_finds_top_level_imports_only():
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING
from schulsozial.core.models import AuditEntry
from ..masterdata import models
if TYPE_CHECKING:
    from schulsozial.statistics.models import Rollup
try:
    from schulsozial.concepts import views
except ImportError:
    pass

def later():
    from schulsozial.activities import models
"""
    found = _top_level_imports(ast.parse(source).body, ["schulsozial", "accounts"])
    assert "schulsozial.core.models" in found
    assert "schulsozial.masterdata" in found
    assert "schulsozial.concepts" in found
    assert not any("statistics" in name or "activities" in name for name in found)


def test_accounts_reaches_masterdata_one_way_only():
    edges = app_imports()
    assert "accounts" in edges["masterdata"], "masterdata builds on accounts.permissions"
    assert "masterdata" not in edges["accounts"], edges["accounts"].get("masterdata")


def test_no_two_apps_import_each_other():
    edges = app_imports()
    cycles = sorted(
        f"{a} -> {b} ({edges[a][b]}) and {b} -> {a} ({edges[b][a]})"
        for a in edges
        for b in edges[a]
        if a < b and a in edges.get(b, {})
    )
    assert not cycles
