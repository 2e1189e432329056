"""catalog.selectors.public_tracks(): a track is public (storefront, API, radio) only once its release is out,
unless the editor offers it before release; its ISRC is shown only once out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Release, Track
from catalog.selectors import public_isrc, public_tracks, release_list_public
from tests.factories import ReleaseFactory, ReleaseTrackFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _on_release(track, *, status=Release.Status.PUBLISHED, days_from_today=-1):
    release = ReleaseFactory(status=status, release_date=timezone.localdate() + dt.timedelta(days=days_from_today))
    ReleaseTrackFactory(release=release, track=track, position=1)
    return release


def test_only_tracks_whose_release_is_out_or_offered_early_are_public():
    out = TrackFactory(title="Out", status=Track.Status.APPROVED, isrc="QZLF12600001")
    _on_release(out)
    scheduled = TrackFactory(title="Scheduled", status=Track.Status.APPROVED, isrc="QZLF12600002")
    _on_release(scheduled, status=Release.Status.SCHEDULED, days_from_today=6)  # "12 Dec", minutes after approval
    dated_later = TrackFactory(title="Published, dated later", status=Track.Status.APPROVED)
    _on_release(dated_later, days_from_today=3)
    early = TrackFactory(
        title="Early", status=Track.Status.APPROVED, isrc="QZLF12600003", licensable_before_release=True
    )
    _on_release(early, status=Release.Status.SCHEDULED, days_from_today=6)
    TrackFactory(title="Loose approved", status=Track.Status.APPROVED)
    TrackFactory(title="Draft offered early", status=Track.Status.DRAFT, licensable_before_release=True)

    titles = {t.title: t for t in public_tracks()}

    assert set(titles) == {"Out", "Early"}
    assert public_isrc(titles["Out"]) == "QZLF12600001"
    assert public_isrc(titles["Early"]) == ""  # offered before release: no ISRC until it is out


def test_the_api_hides_early_isrcs_gives_absolute_previews_and_lists_the_releases_it_names(client):
    from catalog import services
    from catalog.models import Asset

    out = TrackFactory(title="Out", status=Track.Status.APPROVED, isrc="QZLF12600011")
    release = _on_release(out)
    early = TrackFactory(
        title="Early", status=Track.Status.APPROVED, isrc="QZLF12600012", licensable_before_release=True
    )
    services.asset_store(track=out, kind=Asset.Kind.PREVIEW, content=b"ID3", filename="p.mp3", format="mp3")

    tracks = {t["title"]: t for t in client.get("/api/v1/tracks/").json()["results"]}
    releases = {r["uuid"] for r in client.get("/api/v1/releases/").json()["results"]}

    assert set(tracks) == {"Out", "Early"}
    assert tracks["Out"]["isrc"] == "QZLF12600011" and tracks["Early"]["isrc"] is None
    assert tracks["Out"]["preview_url"].startswith("http://testserver/media/")
    assert tracks["Out"]["releases"] == [str(release.uuid)]
    assert {u for t in tracks.values() for u in t["releases"]} <= releases  # every release named is listed
    assert early.uuid and release in release_list_public()


def test_the_storefront_hides_unreleased_tracks_and_early_isrcs(client):
    from tests.monetization.factories import licensable_track

    hidden = licensable_track(title="Not Yet", licensable_before_release=False, isrc="QZLF12600021")
    _on_release(hidden, status=Release.Status.SCHEDULED, days_from_today=6)
    early = licensable_track(title="Early Bird", isrc="QZLF12600022")

    assert client.get(f"/tracks/{hidden.uuid}/").status_code == 404
    page = client.get(f"/tracks/{early.uuid}/").content.decode()
    assert "Early Bird" in page and "QZLF12600022" not in page
