"""The demo tracks `make run` seeds: rendered by the real engine, once."""

from __future__ import annotations

import pytest

from catalog.models import Artist, Track
from production import services
from production.demo import render_demo_tracks
from production.models import RenderJob
from production.services import render_jobs

pytestmark = pytest.mark.django_db


def test_demo_tracks_are_rendered_once_and_a_second_run_adds_nothing(monkeypatch):
    monkeypatch.setattr(render_jobs, "DEMO_DURATION_S", 6.0)
    lines: list[str] = []

    render_demo_tracks(lines.append)
    first = set(Track.objects.values_list("pk", flat=True))
    render_demo_tracks(lines.append)

    assert len(first) == len(services.DEMO_BRIEFS) == 3
    assert set(Track.objects.values_list("pk", flat=True)) == first
    assert RenderJob.objects.count() == 3
    assert {t.source for t in Track.objects.all()} == {Track.Source.GENERATED}
    assert all(t.assets.filter(kind="master").exists() for t in Track.objects.all())
    # The demo styles use the personas the catalogue seeds, so no extra artist appears.
    assert set(Artist.objects.values_list("slug", flat=True)) == {"paper-lantern", "kissa-tapes", "rain-on-tin"}
    assert len(lines) == 6 and all("QC" in line for line in lines)
