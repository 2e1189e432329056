"""`manage.py seed_demo`: the demo install `make run` starts with."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from catalog.models import Artist, Mood, Style, Track
from lofi_site.demo import demo_step, demo_steps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Seeding hashes four passwords; the slow production hasher adds nothing to what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _foundation_steps_only(monkeypatch):
    """Run the accounts, vocabulary and persona steps only; other apps' steps (rendering) have own tests."""
    import lofi_site.demo

    demo_steps()  # import every app's demo.py first, so the filter sees all registered steps
    core = [s for s in lofi_site.demo._STEPS if s[1].startswith(("lofi_site.demo.", "catalog.demo."))]
    monkeypatch.setattr(lofi_site.demo, "_STEPS", core)


STYLES = {"jazz", "boom_bap", "ambient", "study", "rainy_day", "cafe", "japanese"}
MOODS = {"chill", "focus", "sleepy", "melancholy", "happy", "dreamy", "nostalgic", "cozy"}


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (get_user_model(), Style, Mood, Artist))


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_creates_the_vocabularies_personas_and_one_account_per_role(monkeypatch, client):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)

    output = _seed()

    assert set(Style.objects.values_list("slug", flat=True)) == STYLES
    assert set(Mood.objects.values_list("slug", flat=True)) == MOODS
    assert 2 <= Artist.objects.filter(is_persona=True).count() <= 3
    users = get_user_model().objects
    staff = {(u.username, tuple(u.groups.values_list("name", flat=True))) for u in users.filter(is_superuser=False)}
    assert staff == {("demo-editor", ("Editor",)), ("demo-va", ("VA",)), ("demo-finance", ("Finance",))}
    # The printed password really is the admin's.
    password = re.search(r"superuser 'admin' created, password: (\S+)", output).group(1)
    assert client.login(username="admin", password=password)


def test_the_catalogue_steps_make_no_tracks():
    _seed()

    assert not Track.objects.exists()  # demo tracks come from the render engine's step, never from fake audio


def test_a_second_run_changes_nothing_and_prints_no_password(monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    _seed()
    before = _counts()

    output = _seed()

    assert _counts() == before
    assert "password" not in output


def test_the_admin_password_can_come_from_the_environment(monkeypatch, client):
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-demo-password-2026")

    output = _seed()

    assert "a-long-demo-password-2026" not in output
    assert client.login(username="admin", password="a-long-demo-password-2026")


def test_no_superuser_is_added_when_one_exists(superuser):
    _seed()

    assert list(get_user_model().objects.filter(is_superuser=True)) == [superuser]


def test_built_in_steps_run_accounts_first_then_vocabularies_then_personas():
    names = [name for name, _ in demo_steps()]

    # Accounts first, then vocabularies, then personas (later app steps need all three).
    assert names == ["lofi_site.demo.staff_accounts", "catalog.demo.vocabularies", "catalog.demo.artist_personas"]


def test_apps_add_seed_steps_that_run_in_order(monkeypatch):
    ran = []
    monkeypatch.setattr("lofi_site.demo._STEPS", [])  # only this test's steps; the registry is restored after

    @demo_step(order=50)
    def later(out):
        ran.append("later")

    @demo_step(order=5)
    def first(out):
        ran.append("first")

    _seed()

    assert ran == ["first", "later"]


def test_a_failing_step_is_reported_rolled_back_and_the_later_steps_still_run(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setattr("lofi_site.demo._STEPS", [])
    ran = []

    @demo_step(order=1)
    def broken(out):
        Style.objects.create(slug="half-done", name="Half done")
        raise RuntimeError("render engine unavailable")

    @demo_step(order=2)
    def fine(out):
        ran.append("fine")

    out = io.StringIO()
    with pytest.raises(CommandError, match=r"Demo seed steps failed .*broken"):
        call_command("seed_demo", stdout=out)

    assert "FAILED: RuntimeError: render engine unavailable" in out.getvalue()
    assert not Style.objects.filter(slug="half-done").exists()
    assert ran == ["fine"]
