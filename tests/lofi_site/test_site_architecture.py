"""docs/ARCHITECTURE.md, "Allowed imports": the import-linter contracts in pyproject.toml hold, and so do the
references import-linter cannot see (a ForeignKey("app.Model") string, apps.get_model("app", ...)).

`make lint` runs the same contracts; running them here too means the suite fails on a violation."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_IDS = [
    contract["id"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
]
APPS = {"catalog", "production", "distribution", "monetization", "community", "operations", "radio", "listeners"}
# Which apps each app may name; every app may use operations (checklists, audit events), operations none.
ALLOWED = {
    "catalog": set(),
    "production": {"catalog", "operations"},
    "distribution": {"catalog", "production", "operations"},
    "monetization": {"catalog", "production", "operations"},
    "community": {"catalog", "production", "distribution", "operations"},
    "operations": set(),
    "radio": {"catalog", "production", "distribution", "operations"},
    "listeners": {"catalog", "production", "monetization", "operations"},
}


def test_the_contracts_cover_the_app_table_and_every_engine():
    engines = {"engine-production", "engine-distribution", "engine-radio", "engine-listeners"}
    engines |= {"engine-monetization", "engine-community", "kernel-pure"}
    assert {"kernel", "urls-on-top"} | engines | APPS <= set(CONTRACT_IDS)


def test_the_contracts_ignore_no_import():
    """Every contract holds as written: a deviation is fixed by moving the helper, not by an ignore line (the
    kernel's own ignores are its URL floor, which sits over every app)."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    ignored = {c["id"]: c["ignore_imports"] for c in contracts if c.get("ignore_imports") and c["id"] != "kernel"}
    assert ignored == {}


@pytest.mark.parametrize("contract", CONTRACT_IDS)
def test_the_import_contract_holds(contract):
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--contract", contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def lazily_named_apps(app: str) -> dict[str, set[str]]:
    """{other app: files naming it} by model string or app registry lookup (historical migrations excluded)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        names = set(re.findall(r"""["']([a-z_]+)\.[A-Z]\w+["']""", source))
        names |= set(re.findall(r"""(?:get_model|is_installed)\(\s*["']([a-z_]+)["']""", source))
        for name in names & APPS - {app}:
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_models_named_by_string_follow_the_same_table(app):
    found = lazily_named_apps(app)

    assert {name: files for name, files in found.items() if name not in ALLOWED[app]} == {}
