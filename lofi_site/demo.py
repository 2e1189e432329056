"""The demo catalogue `make run` starts with, built from steps the apps contribute.

An app adds steps in its own `<app>/demo.py` (found automatically, like dashboard panels):

    from lofi_site.demo import demo_step

    @demo_step(order=50)
    def render_demo_tracks(out) -> None:
        ...  # e.g. render a few short tracks with the engine, through production's services

`manage.py seed_demo` runs every step in order (lowest first) and passes `out`, a function that prints one
line. Steps must be idempotent, because `make run` seeds on every start, and must create real records through
services: no placeholder audio, no invented figures. Built-in order: 10 staff accounts (here),
20 vocabularies and 30 artist personas (catalog/demo.py); leave 40+ for later steps that need those.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from lofi_site.roles import EDITOR, FINANCE, VA

logger = logging.getLogger(__name__)
Out = Callable[[str], None]
DemoStep = Callable[[Out], None]
_STEPS: list[tuple[int, str, DemoStep]] = []

SUPERUSER_NAME = "admin"
# One demo account per role, so a fresh install shows what each role sees.
DEMO_STAFF = [("demo-editor", EDITOR), ("demo-va", VA), ("demo-finance", FINANCE)]


def demo_step(*, order: int) -> Callable[[DemoStep], DemoStep]:
    """Register `func(out)` as a seed step run at position `order`."""

    def register(func: DemoStep) -> DemoStep:
        key = f"{func.__module__}.{func.__qualname__}"
        if all(existing != key for _, existing, _ in _STEPS):  # a re-import must not run a step twice
            _STEPS.append((order, key, func))
            _STEPS.sort(key=lambda item: (item[0], item[1]))
        return func

    return register


def demo_steps() -> list[tuple[str, DemoStep]]:
    """Every registered step as (dotted name, function), in run order, after importing each app's demo.py."""
    autodiscover_modules("demo")
    return [(key, func) for _, key, func in _STEPS]


def seed_demo(*, out: Out) -> list[str]:
    """Run every demo step, each in its own transaction, and return the names of the steps that failed.

    A failing step is rolled back and reported through `out`; the steps after it still run, so one app's
    broken seed (say, a render that fails) does not leave the rest of the demo empty.
    """
    failed = []
    for key, func in demo_steps():
        out(f"· {key}")
        try:
            with transaction.atomic():
                func(out)
        except Exception as error:  # reported and returned: the command exits non-zero
            logger.exception("demo step %s failed", key)
            out(f"  FAILED: {type(error).__name__}: {error}")
            failed.append(key)
    return failed


def _new_password() -> str:
    return secrets.token_urlsafe(12)


@demo_step(order=10)
def staff_accounts(out: Out) -> None:
    """A superuser when there is none (ADMIN_PASSWORD or a generated password, printed once) and
    one demo staff account per role group, each with a generated password printed once at creation."""
    users = get_user_model()
    if not users.objects.filter(is_superuser=True).exists():
        password = os.environ.get("ADMIN_PASSWORD") or _new_password()
        users.objects.create_superuser(SUPERUSER_NAME, f"{SUPERUSER_NAME}@example.com", password)
        if os.environ.get("ADMIN_PASSWORD"):
            out(f"  superuser {SUPERUSER_NAME!r} created with the password in ADMIN_PASSWORD")
        else:
            out(f"  superuser {SUPERUSER_NAME!r} created, password: {password}   (shown only this once)")
    for username, role in DEMO_STAFF:
        if users.objects.filter(username=username).exists():
            continue
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise ImproperlyConfigured(f"Group {role!r} is missing: run `manage.py migrate` first.")
        password = _new_password()
        user = users.objects.create_user(username, f"{username}@example.com", password, is_staff=True)
        user.groups.add(group)
        out(f"  staff {username!r} ({role}) created, password: {password}   (shown only this once)")
