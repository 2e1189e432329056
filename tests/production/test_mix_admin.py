"""Cockpit pieces of catalogue intelligence: the Track page's intelligence section, the Release actions
that sequence and render mixes, and the mix render list."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from catalog.models import Asset, Release, Track
from catalog.services import asset_store
from production.admin import TrackIntelligenceAdminMixin
from production.admin.mixes import apply_mix_sequence, render_mix
from production.models import MixRender, MoodSuggestion, TrackFingerprint
from tests.factories import MoodFactory, ReleaseFactory, ReleaseTrackFactory, TrackFactory
from tests.production.factories import MixRenderFactory, MoodSuggestionFactory

pytestmark = pytest.mark.django_db


def test_the_track_page_shows_spectrogram_duplicate_pointer_next_tracks_and_mood_suggestions(client, editor):
    assert isinstance(admin.site._registry[Track], TrackIntelligenceAdminMixin)
    original = TrackFactory(title="Paper Boats", bpm=80, key="A", mode="minor", energy=0.4)
    track = TrackFactory(
        title="Paper Boats (copy)",
        bpm=80,
        key="A",
        mode="minor",
        energy=0.4,
        duplicate_verdict=Track.DuplicateVerdict.EXACT,
        duplicate_of=original,
    )
    TrackFingerprint.objects.create(
        track=track,
        hash_count=10,
        duration_s=180,
        fingerprinted_at=track.created_at,
        match_track=original,
        match_offset_s=0.0,
        match_confidence=0.9,
    )
    TrackFactory(title="Harbour Lights", bpm=81, key="E", mode="minor", energy=0.45)
    asset_store(track=track, kind=Asset.Kind.SPECTROGRAM, content=b"\x89PNG", filename="spectrogram.png", format="png")
    MoodSuggestionFactory(track=track, mood=MoodFactory(slug="rainy", name="Rainy"), probability=0.82)
    client.force_login(editor)

    html = client.get(reverse("admin:catalog_track_change", args=[track.pk])).content.decode()

    assert "Catalogue intelligence" in html
    assert 'alt="Spectrogram of Paper Boats (copy)"' in html
    assert f"exact duplicate of &#x27;Paper Boats&#x27; (track #{original.pk})" in html
    assert "Harbour Lights" in html and "neighbouring key" in html
    assert "Rainy (82%)" in html and ">Accept</button>" in html and ">Reject</button>" in html


def test_the_analyse_again_action_queues_both_tasks_per_track(
    client, editor, queued_tasks, django_capture_on_commit_callbacks
):
    tracks = TrackFactory.create_batch(2)
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:catalog_track_changelist"),
            {"action": "analyse_again", helpers.ACTION_CHECKBOX_NAME: [t.pk for t in tracks]},
        )

    assert sorted(queued_tasks) == sorted(
        [(f"production.tasks.track_{task}_task", t.pk) for t in tracks for task in ("analyze", "fingerprint")]
    )


def _action_request(user, data=None):
    request = RequestFactory().post("/admin/catalog/release/", data or {})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _messages(request) -> list[str]:
    return [str(m) for m in request._messages]


def test_the_sequence_action_asks_for_the_length_then_orders_each_mix(editor):
    release = ReleaseFactory(kind=Release.Kind.MIX)
    own = [
        TrackFactory(title=f"Own {i}", bpm=80, key="A", mode="minor", energy=0.2 * i, duration_s=120)
        for i in range(1, 4)
    ]
    for position, track in enumerate(own, start=1):
        ReleaseTrackFactory(release=release, track=track, position=position)
    model_admin = admin.site._registry[Release]
    queryset = Release.objects.filter(pk=release.pk)

    page = apply_mix_sequence(model_admin, _action_request(editor), queryset)
    assert page.status_code == 200 and b'name="target_minutes"' in page.content

    request = _action_request(editor, {"confirm": "1", "target_minutes": "30", "source": "release"})
    assert apply_mix_sequence(model_admin, request, queryset) is None

    assert set(release.release_tracks.values_list("track_id", flat=True)) == {t.pk for t in own}
    assert "3 tracks in order" in _messages(request)[0]


def test_the_render_action_queues_one_mix_render_per_mix_release_and_explains_refusals(
    editor, queued_tasks, django_capture_on_commit_callbacks
):
    mix_release = ReleaseFactory(kind=Release.Kind.MIX, title="Study Mix")
    ReleaseTrackFactory(release=mix_release, track=TrackFactory(), position=1)
    album = ReleaseFactory(kind=Release.Kind.ALBUM, title="Album")
    model_admin = admin.site._registry[Release]
    request = _action_request(editor, {"confirm": "1", "crossfade_s": "6", "ambience": "rain", "target_lufs": "-14"})

    with django_capture_on_commit_callbacks(execute=True):
        render_mix(model_admin, request, Release.objects.filter(pk__in=[mix_release.pk, album.pk]))

    mix = MixRender.objects.get()
    assert (mix.release, mix.crossfade_s, mix.ambience, mix.created_by) == (mix_release, 6.0, "rain", editor)
    assert queued_tasks == [("production.tasks.mix_render_run_task", mix.pk)]
    assert any("Album" in m and "only long mixes" in m for m in _messages(request))


def test_mix_renders_list_without_a_query_per_row(client, editor, django_assert_max_num_queries):
    MixRenderFactory.create_batch(3, tracklist=[{"artist": "A", "title": "T", "start_s": 0.0}])
    client.force_login(editor)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:production_mixrender_changelist"))

    assert response.status_code == 200


def test_a_va_may_view_mix_renders_and_mood_suggestions_but_not_act_on_them(client, va, queued_tasks):
    client.force_login(va)
    mix = MixRenderFactory(status=MixRender.Status.FAILED, error="RuntimeError: disk full")
    suggestion = MoodSuggestionFactory()

    assert client.get(reverse("admin:production_mixrender_change", args=[mix.pk])).status_code == 200
    client.post(
        reverse("admin:production_mixrender_changelist"), {"action": "retry", helpers.ACTION_CHECKBOX_NAME: [mix.pk]}
    )
    client.post(
        reverse("admin:production_moodsuggestion_changelist"),
        {"action": "accept", helpers.ACTION_CHECKBOX_NAME: [suggestion.pk]},
    )

    assert MixRender.objects.get().status == MixRender.Status.FAILED and not queued_tasks
    suggestion.refresh_from_db()
    assert suggestion.status == MoodSuggestion.Status.PENDING and not suggestion.track.moods.exists()


def test_the_release_list_offers_sequencing_and_rendering_of_mixes(client, editor):
    release = ReleaseFactory(kind=Release.Kind.MIX, title="Night Study Mix")
    client.force_login(editor)

    page = client.post(
        reverse("admin:catalog_release_changelist"),
        {"action": "apply_mix_sequence", helpers.ACTION_CHECKBOX_NAME: [release.pk]},
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="target_minutes"' in html and "Night Study Mix" in html
    changelist = client.get(reverse("admin:catalog_release_changelist")).content.decode()
    assert 'value="render_mix"' in changelist and 'value="apply_mix_sequence"' in changelist
