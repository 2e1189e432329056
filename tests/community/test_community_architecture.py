"""docs/ARCHITECTURE.md: community -> catalog, production, distribution (and operations' services, which every
app uses to attach checklists and write audit events). Never monetization: not by import, not by a model
reference, not through the app registry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = {"catalog", "production", "distribution", "monetization", "community", "operations"}


def imported_project_apps(app: str) -> dict[str, set[str]]:
    """{other project app: files importing it} over the app's code (historical migrations excluded)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        names: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        # Lazy references: ForeignKey("app.Model"), apps.get_model("app", ...), apps.is_installed("app").
        names |= set(re.findall(r"""["']([a-z_]+)\.[A-Z]\w+["']""", source))
        names |= set(re.findall(r"""(?:get_model|is_installed)\(\s*["']([a-z_]+)["']""", source))
        for name in names & PROJECT_APPS - {app}:
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("app", "allowed"),
    [
        ("community", {"catalog", "production", "distribution", "operations"}),
        ("operations", set()),
    ],
)
def test_the_app_depends_only_on_what_the_architecture_allows(app, allowed):
    found = imported_project_apps(app)

    assert {name: files for name, files in found.items() if name not in allowed} == {}
