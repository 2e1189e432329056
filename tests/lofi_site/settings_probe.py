"""Run Python in a subprocess with exactly the given environment, to read settings as a deployment would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DUMP_SETTINGS = """
import json
from lofi_site import settings as s
print(json.dumps({
    "debug": s.DEBUG, "db": s.DATABASES["default"], "q": s.Q_CLUSTER, "caches": s.CACHES,
    "storages": s.STORAGES, "media_root": str(s.MEDIA_ROOT), "private_root": str(s.PRIVATE_MEDIA_ROOT),
    "static_root": str(s.STATIC_ROOT),
}, default=str))
"""


def python_with_env(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run `code` (or, when empty, the script and arguments in `args`) with only PATH, HOME and `env`."""
    clean_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "lofi_site.settings",
        **env,
    }
    command = [sys.executable, *args] if not code else [sys.executable, "-c", code]
    return subprocess.run(
        command, cwd=Path(settings.BASE_DIR), env=clean_env, capture_output=True, text=True, timeout=120
    )


def settings_with(env: dict[str, str]) -> dict:
    """The settings a process started with exactly `env` would use (see DUMP_SETTINGS)."""
    result = python_with_env(DUMP_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
