"""Batches: a grid or a set of variations expands to exactly the jobs an editor expects, one task each."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from production import services
from production.models import Batch, RenderJob
from tests.factories import ArtistFactory

pytestmark = pytest.mark.django_db


def test_a_grid_makes_every_combination_per_cell_times_with_consecutive_seeds(
    editor, queued_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_create(
            name="Week 12",
            styles=["jazz", "cafe"],
            bpms=[72, 86],
            keys=["A minor", "C major", "F# minor"],
            moods=["chill", "cozy"],
            per_cell=2,
            duration_s=120,
            seed_base=1000,
            created_by=editor,
        )

    jobs = list(batch.jobs.order_by("seed"))
    assert len(jobs) == 2 * 2 * 3 * 2 * 2
    cells = {(j.style, j.bpm, j.key, j.mood) for j in jobs}
    assert cells == set(
        itertools.product(["jazz", "cafe"], [72.0, 86.0], ["A minor", "C major", "F# minor"], ["chill", "cozy"])
    )
    assert all(sum(1 for j in jobs if (j.style, j.bpm, j.key, j.mood) == cell) == 2 for cell in cells)
    assert [j.seed for j in jobs] == list(range(1000, 1000 + len(jobs)))
    assert {j.status for j in jobs} == {RenderJob.Status.QUEUED}
    assert {j.duration_s for j in jobs} == {120.0}
    # One task per job, each carrying its job's id.
    assert sorted(job_id for _, job_id in queued_tasks) == sorted(j.pk for j in jobs)
    assert {func for func, _ in queued_tasks} == {services.RENDER_TASK}


def test_variations_render_one_brief_k_times_with_different_seeds(queued_tasks):
    artist = ArtistFactory()
    batch = services.batch_create(
        name="A/B",
        kind=Batch.Kind.VARIATIONS,
        styles=["jazz"],
        bpms=[82],
        keys=["A minor"],
        moods=["chill"],
        per_cell=4,
        duration_s=90,
        seed_base=7,
        ambience="rain",
        layers={"melody": False},
        artist=artist,
    )

    jobs = list(batch.jobs.order_by("seed"))
    assert [j.seed for j in jobs] == [7, 8, 9, 10]
    assert {(j.style, j.bpm, j.key, j.mood, j.ambience, j.artist_id) for j in jobs} == {
        ("jazz", 82.0, "A minor", "chill", "rain", artist.pk)
    }
    assert all(j.layers == {"melody": False} for j in jobs)


def test_variations_of_more_than_one_brief_are_refused(queued_tasks):
    with pytest.raises(ValidationError, match="exactly one style"):
        services.batch_create(
            name="x",
            kind=Batch.Kind.VARIATIONS,
            styles=["jazz", "cafe"],
            bpms=[82],
            keys=["A minor"],
            moods=["chill"],
            per_cell=3,
            duration_s=60,
        )
    assert not Batch.objects.exists()


def test_an_oversized_grid_is_refused_before_anything_is_saved(queued_tasks):
    with pytest.raises(ValidationError, match="limit is 200"):
        services.batch_create(
            name="too big",
            styles=["jazz", "cafe", "study"],
            bpms=[70, 80, 90],
            keys=["A minor", "C major", "D minor"],
            moods=["chill", "cozy", "focus"],
            per_cell=3,
            duration_s=60,
        )
    assert not Batch.objects.exists() and not RenderJob.objects.exists()
    assert queued_tasks == []


def test_a_grid_with_a_value_the_engine_refuses_saves_nothing(queued_tasks):
    with pytest.raises(ValidationError):
        services.batch_create(
            name="bad", styles=["jazz", "polka"], bpms=[82], keys=["A minor"], moods=["chill"], duration_s=60
        )
    assert not Batch.objects.exists() and not RenderJob.objects.exists()


def test_the_admin_form_creates_the_batch_and_its_jobs(
    client, editor, queued_tasks, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:production_batch_add"),
            {
                "name": "Rainy grid",
                "kind": "grid",
                "styles": ["rainy_day", "study"],
                "bpms": "70, 78",
                "keys": "A minor; Eb major",
                "moods": "chill",
                "per_cell": 1,
                "duration_s": 150,
                "seed_base": 40,
                "ambience": "rain",
                "layers_off": ["perc"],
                "artist": "",
            },
        )

    assert response.status_code == 302
    batch = Batch.objects.get()
    assert batch.created_by == editor
    assert batch.jobs.count() == 2 * 2 * 2
    assert set(batch.jobs.values_list("key", flat=True)) == {"A minor", "D# major"}
    assert all(layers == {"perc": False} for layers in batch.jobs.values_list("layers", flat=True))
    assert len(queued_tasks) == 8


def test_the_admin_form_explains_a_bad_bpm_and_key(client, editor, queued_tasks):
    client.force_login(editor)
    response = client.post(
        reverse("admin:production_batch_add"),
        {
            "name": "typos",
            "kind": "grid",
            "styles": ["jazz"],
            "bpms": "82, 300",
            "keys": "H minor",
            "moods": "chill",
            "per_cell": 1,
            "duration_s": 60,
            "seed_base": 1,
            "ambience": "none",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "300 BPM is outside 40-200" in " ".join(errors["bpms"])
    assert "unknown tonic 'H'" in " ".join(errors["keys"])
    assert not Batch.objects.exists()


def test_a_va_cannot_create_batches_or_jobs(client, va, queued_tasks):
    client.force_login(va)

    assert client.get(reverse("admin:production_batch_add")).status_code == 403
    assert client.get(reverse("admin:production_renderjob_add")).status_code == 403
    response = client.post(
        reverse("admin:production_renderjob_add"),
        {
            "style": "jazz",
            "bpm": 82,
            "key": "A minor",
            "duration_s": 60,
            "seed": 1,
            "mood": "chill",
            "ambience": "none",
            "target_lufs": -14,
            "true_peak_ceiling_db": -1,
        },
    )
    assert response.status_code == 403
    assert not RenderJob.objects.exists()
    # ...but a VA may look at them.
    assert client.get(reverse("admin:production_renderjob_changelist")).status_code == 200
    assert client.get(reverse("admin:production_batch_changelist")).status_code == 200
