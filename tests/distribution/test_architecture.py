"""The distribution engines (distribution/media/, distribution/platforms/, distribution/metadata.py) are plain
Python: they import no Django and no app, so they run in bench/ and in tests without a database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_FILES = sorted(
    [
        *(ROOT / "distribution" / "media").glob("*.py"),
        *(ROOT / "distribution" / "platforms").glob("*.py"),
        ROOT / "distribution" / "metadata.py",
    ]
)
APPS = ("django", "catalog", "production", "monetization", "community", "operations", "lofi_site", "rest_framework")
ENGINE_PACKAGES = ("distribution.media", "distribution.platforms", "distribution.metadata")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_modules_import_no_django_and_no_app(path):
    forbidden = [
        name
        for name in _imports(path)
        if name.split(".")[0] in APPS or (name.startswith("distribution") and not name.startswith(ENGINE_PACKAGES))
    ]

    assert forbidden == []
