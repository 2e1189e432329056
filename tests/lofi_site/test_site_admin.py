"""Every screen registered on the cockpit: it loads, and its list costs the same queries for 2 rows or 200.

Generic over `admin.site._registry`, so each app's new screens are covered the day they are registered.
Rows come from the catalogue builders below or, for other apps, from a factory for the model in
tests/<app>/factories.py (found automatically); a model without one is still loaded, just not filled.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import factory
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ, Schedule, Success
from django_q.signing import SignedPackage
from rest_framework.authtoken.models import Token

from catalog.models import Artist, Asset, Mood, Release, Style, Track
from operations.services import audit_log
from tests.factories import (
    ArtistFactory,
    MoodFactory,
    ReleaseFactory,
    ReleaseTrackFactory,
    StyleFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ROWS = 200
# The most any list screen may cost, whatever its size: session, user, counts, page, prefetches, filters.
MAX_CHANGELIST_QUERIES = 20


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


REGISTERED = sorted(admin.site._registry, key=_label)


# --- Row builders ------------------------------------------------------------------------------------------


def _tracks(n: int) -> None:
    moods = [MoodFactory(slug="chill"), MoodFactory(slug="cozy")]
    tracks = TrackFactory.create_batch(n, moods=moods, qc_passed=False, qc_report={"failures": ["true peak"]})
    # A preview and a waveform per row: the player column must come from one prefetch, not a query per row.
    Asset.objects.bulk_create(
        Asset(track=t, kind=kind, storage=Asset.StorageName.PUBLIC, path=f"tracks/{t.uuid}/{kind}", sha256="0" * 64)
        for t in tracks
        for kind in (Asset.Kind.PREVIEW, Asset.Kind.WAVEFORM)
    )


def _releases(n: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        release = ReleaseFactory(artwork=f"artwork/{i}.jpg", release_date=today)
        ReleaseTrackFactory(release=release, position=1)


def _audit_events(n: int) -> None:
    track = TrackFactory()
    for i in range(n):
        audit_log(actor=None, verb="track.checked", obj=track, summary=f"check {i}")


def _users(n: int) -> None:
    groups = list(Group.objects.all())
    start = User.objects.count()
    users = User.objects.bulk_create(User(username=f"user{start + i}", is_staff=True) for i in range(n))
    for user in users:
        user.groups.set(groups)


def _tokens(n: int) -> None:
    start = User.objects.count()
    for user in User.objects.bulk_create(User(username=f"api{start + i}") for i in range(n)):
        Token.objects.create(user=user)


def _tasks(model, n: int) -> None:
    now = timezone.now()
    model.objects.bulk_create(
        model(
            id=f"{model.__name__}{model.objects.count() + i}",
            name=f"task {i}",
            func="math.floor",
            args=(1.5,),
            started=now,
            stopped=now,
            success=model is Success,
            attempt_count=1,
        )
        for i in range(n)
    )


# Admins of Django, DRF and django-q2 are on the cockpit too, so they are held to the same rule.
BUILDERS: dict[str, Callable[[int], None]] = {
    "auth.user": _users,
    "auth.group": lambda n: Group.objects.bulk_create(
        Group(name=f"group {Group.objects.count() + i}") for i in range(n)
    ),
    "authtoken.tokenproxy": _tokens,
    "django_q.schedule": lambda n: Schedule.objects.bulk_create(
        Schedule(name=f"s{Schedule.objects.count() + i}", func="math.floor", args="1.5") for i in range(n)
    ),
    "django_q.success": lambda n: _tasks(Success, n),
    "django_q.failure": lambda n: _tasks(Failure, n),
    "django_q.ormq": lambda n: OrmQ.objects.bulk_create(
        OrmQ(
            key="lofi",
            lock=timezone.now(),
            payload=SignedPackage.dumps(
                {"id": f"q{i}", "name": f"queued {i}", "func": "math.floor", "args": (1.5,), "kwargs": {}}
            ),
        )
        for i in range(n)
    ),
}
CATALOGUE_BUILDERS: dict[str, Callable[[int], None]] = {
    "catalog.track": _tracks,
    "catalog.release": _releases,
    "catalog.artist": lambda n: [TrackFactory(artist=a) for a in ArtistFactory.create_batch(n)],
    "catalog.style": lambda n: StyleFactory.create_batch(n, slug=factory.Sequence(lambda i: f"style-{i}")),
    "catalog.mood": lambda n: MoodFactory.create_batch(n, slug=factory.Sequence(lambda i: f"mood-{i}")),
    "operations.auditevent": _audit_events,
}


def _discovered_factory(model):
    try:
        module = importlib.import_module(f"tests.{model._meta.app_label}.factories")
    except ModuleNotFoundError:
        return None
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, factory.django.DjangoModelFactory)
            and value._meta.model is model
        ):
            return value
    return None


def _builder(model) -> Callable[[int], None] | None:
    if _label(model) in CATALOGUE_BUILDERS:
        return CATALOGUE_BUILDERS[_label(model)]
    if _label(model) in BUILDERS:
        return BUILDERS[_label(model)]
    found = _discovered_factory(model)
    return (lambda n: found.create_batch(n)) if found else None


def _changelist_queries(client, model) -> int:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"all": ""})  # every row on one page (up to list_max_show_all)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(captured)


# --- Tests -------------------------------------------------------------------------------------------------


def test_the_catalogue_screens_are_on_the_cockpit_site():
    assert {Track, Release, Artist, Style, Mood} <= set(REGISTERED)
    assert admin.site.site_header == "Lantern LoFi cockpit"


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_every_screen_loads_for_a_superuser(client, superuser, model):
    model_admin = admin.site._registry[model]
    names = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    request = RequestFactory().get("/admin/")
    request.user = superuser
    client.force_login(superuser)

    assert client.get(reverse(f"{names}_changelist")).status_code == 200
    if model_admin.search_fields:
        assert client.get(reverse(f"{names}_changelist"), {"q": "lofi"}).status_code == 200
    if model_admin.has_add_permission(request):
        assert client.get(reverse(f"{names}_add")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_changelist_queries_stay_fixed_from_2_to_200_rows(client, superuser, model):
    build = _builder(model)
    if build is None:
        pytest.skip(f"no row builder: add a factory for {model.__name__} in tests/{model._meta.app_label}/factories.py")
    client.force_login(superuser)

    build(2)
    few = _changelist_queries(client, model)
    build(ROWS - 2)
    assert model.objects.count() >= ROWS
    many = _changelist_queries(client, model)

    assert many == few, f"{_label(model)}: {few} queries for 2 rows but {many} for {ROWS} (a query per row?)"
    assert many <= MAX_CHANGELIST_QUERIES


@pytest.mark.parametrize("model", [Track, Release], ids=_label)
def test_catalogue_change_pages_load_with_their_inlines(client, superuser, model):
    CATALOGUE_BUILDERS[_label(model)](1)
    client.force_login(superuser)
    obj = model.objects.get()

    response = client.get(reverse(f"admin:catalog_{model._meta.model_name}_change", args=[obj.pk]))

    assert response.status_code == 200
