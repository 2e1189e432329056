"""Sample packs built from catalogue stems, MIDI and master: contents, names, zip, demo, storefront."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pytest
import soundfile
from django.core.files.storage import storages

from catalog import services as catalog_services
from catalog.models import Asset
from monetization import services, tasks
from monetization.models import DownloadLink, Licence, SamplePack, SamplePackItem
from operations.models import AuditEvent
from tests.monetization.audio_fixtures import chord_stem, drum_stem, midi_bytes
from tests.monetization.factories import checkout_completed, licensable_track, post_event, tier, wav_bytes

pytestmark = pytest.mark.django_db

NAME_RE = re.compile(
    r"^LL_DUSK_(?:(?P<bpm>\d+)_)?(?P<instrument>[a-z0-9-]+)_(?P<descriptor>[a-z0-9-]+)"
    r"(?:_(?P<key>[A-G]#?(?:maj|min)))?\.(?P<ext>wav|mid)$"
)


@pytest.fixture
def stem_track():
    """A 120 BPM A-minor track with drums and keys stems, their mix as master, and a three-part score."""
    drums = drum_stem(bpm=120.0, bars=6)
    keys = chord_stem(bpm=120.0, bars=6)
    sr = drums.sample_rate
    track = licensable_track(title="Dusk Walk", bpm=120.0, key="A", mode="minor")
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.MASTER,
        content=wav_bytes((drums.audio + keys) / 2, sr),
        filename="master.wav",
        format="wav",
        sample_rate=sr,
        channels=2,
    )
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.STEM,
        label="drums",
        content=wav_bytes(drums.audio, sr),
        filename="drums.wav",
    )
    catalog_services.asset_store(
        track=track, kind=Asset.Kind.STEM, label="keys", content=wav_bytes(keys, sr), filename="keys.wav"
    )
    score = midi_bytes(parts=("keys", "bass", "kit"))
    catalog_services.asset_store(track=track, kind=Asset.Kind.MIDI, content=score, filename="score.mid")
    return track


@pytest.fixture
def built_pack(stem_track, editor, settings):
    settings.PACK_LABEL_CODE = "LL"
    pack = SamplePack(
        slug="dusk-keys",
        title="Dusk Keys",
        code="DUSK",
        tier=tier("sample-pack"),
        price_minor=1900,
        loop_bars=2,
        is_published=True,
        description="Warm keys and dusty drums.",
    )
    services.sample_pack_save(pack=pack, actor=editor)
    pack.tracks.set([stem_track])
    services.sample_pack_request_build(pack=pack, actor=editor)
    tasks.sample_pack_build_task(pack.pk)
    pack.refresh_from_db()
    return pack


def zip_names(pack: SamplePack) -> list[str]:
    with storages["private"].open(pack.archive_path) as fh, zipfile.ZipFile(fh) as zf:
        return zf.namelist()


def test_build_produces_loops_one_shots_midi_readme_and_licence(built_pack):
    assert built_pack.status == SamplePack.Status.READY, built_pack.build_error
    items = list(built_pack.items.all())
    kinds = {item.kind for item in items}
    assert kinds == {"loop", "one_shot", "midi", "document"}
    instruments = {(i.kind, i.instrument) for i in items}
    assert {
        ("loop", "drums"),
        ("loop", "keys"),
        ("midi", "keys"),
        ("midi", "bass"),
        ("midi", "kit"),
    } <= instruments
    assert {
        ("one_shot", "kick"),
        ("one_shot", "snare"),
        ("one_shot", "hat"),
        ("one_shot", "keys"),
    } <= instruments
    # The list on the pack page is exactly what is in the zip.
    assert sorted(f"LL_DUSK/{i.filename}" for i in items) == sorted(zip_names(built_pack))
    assert AuditEvent.objects.filter(verb="sample_pack.built").exists()


def test_file_names_follow_the_splice_convention(built_pack):
    for item in built_pack.items.exclude(kind=SamplePackItem.Kind.DOCUMENT):
        match = NAME_RE.match(item.basename)
        assert match, item.basename
        if item.kind == SamplePackItem.Kind.LOOP:
            assert match["bpm"] == "120"
            assert match["descriptor"].startswith("loop-")
            assert match["key"] == ("Amin" if item.instrument == "keys" else None)  # drums carry no key
        elif item.kind == SamplePackItem.Kind.ONE_SHOT:
            assert match["bpm"] is None  # one-shots have no tempo
            if item.instrument in ("kick", "snare", "hat", "perc"):
                assert match["key"] is None and "one-shot" in match["descriptor"]
            else:
                assert match["key"] == "Amin" and "chord-stab" in match["descriptor"]
        else:  # one MIDI file per part of the score; drums carry no key
            assert match["ext"] == "mid" and match["bpm"] == "120"
            assert match["key"] == (None if item.instrument == "kit" else "Amin")
    basenames = [i.basename for i in built_pack.items.all()]
    assert len(basenames) == len(set(basenames))


def test_loops_are_exact_bars_and_start_on_the_downbeat(built_pack, stem_track):
    expected = round(2 * 4 * 0.5 * 22050)  # two bars at 120 BPM
    drums = drum_stem(bpm=120.0, bars=6)
    with storages["private"].open(built_pack.archive_path) as fh, zipfile.ZipFile(fh) as zf:
        for name in zf.namelist():
            if "/Loops/" not in name:
                continue
            audio, sr = soundfile.read(io.BytesIO(zf.read(name)), always_2d=True)
            assert sr == 22050 and audio.shape[0] == expected, name
            assert 20 * np.log10(np.max(np.abs(audio))) == pytest.approx(-1.0, abs=0.05)
            if "_drums_" in name:
                # the loop opens with the bar's kick: the first 5 ms already carry the attack
                assert np.max(np.abs(audio[: int(0.005 * sr)])) > 0.2
    assert drums.kicks_s  # truth used by the fixture


def test_one_shots_are_trimmed_faded_and_normalised(built_pack):
    with storages["private"].open(built_pack.archive_path) as fh, zipfile.ZipFile(fh) as zf:
        names = [n for n in zf.namelist() if "/One Shots/" in n]
        assert names
        for name in names:
            audio, sr = soundfile.read(io.BytesIO(zf.read(name)), always_2d=True)
            assert 20 * np.log10(np.max(np.abs(audio))) == pytest.approx(-1.0, abs=0.05)
            assert np.max(np.abs(audio[-8:])) < 0.01, name  # faded out
            assert audio.shape[0] <= 2.0 * sr
            assert np.max(np.abs(audio[: int(0.01 * sr)])) > 0.05, name  # starts at the attack, no silence


def test_licence_and_readme_are_inside(built_pack):
    with storages["private"].open(built_pack.archive_path) as fh, zipfile.ZipFile(fh) as zf:
        licence = zf.read("LL_DUSK/LICENCE.txt").decode()
        readme = zf.read("LL_DUSK/README.txt").decode()
    assert tier("sample-pack").current_terms().text in licence
    assert "Dusk Keys" in readme and "Dusk Walk" in readme and "120" in readme


def test_demo_is_a_short_public_mp3(built_pack):
    assert built_pack.demo_path.endswith(".mp3")
    assert storages["default"].exists(built_pack.demo_path)
    from pedalboard.io import AudioFile

    with storages["default"].open(built_pack.demo_path) as fh, AudioFile(fh) as f:
        assert 4.0 < f.frames / f.samplerate <= 31.0


def test_pack_page_lists_contents_and_sells_the_zip(client, built_pack):
    page = client.get(f"/packs/{built_pack.slug}/").content.decode()
    for item in built_pack.items.all():
        assert item.basename in page
    assert built_pack.demo_url in page
    headings = [page.index(f">{title} <") for title in ("Loops", "One-shots", "MIDI files", "Documents")]
    assert headings == sorted(headings)  # the sounds first, the readme and licence last
    assert "Dusk Keys" in client.get("/packs/").content.decode()

    from monetization import selectors

    lines, _ = selectors.cart_lines([f"p:{built_pack.uuid}"])
    order = services.order_create(lines=lines, email="producer@example.com", licensee_name="Beat Maker")
    post_event(client, checkout_completed(order))
    licence = Licence.objects.get(pack=built_pack)
    link = licence.download_links.get(kind=DownloadLink.Kind.PACK)
    from monetization import tokens

    response = client.post(f"/downloads/file/{tokens.download_token(link.uuid)}/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == zip_names(built_pack)
    assert licence.terms.tier.slug == "sample-pack"
    verification = client.get(f"/licences/verify/{licence.code}/").content.decode()
    assert "What the Sample pack licence allows" in verification and "licence licence" not in verification
    from monetization.models import LedgerEntry
    from monetization.selectors import ledger_month_report

    sale = LedgerEntry.objects.get(pack=built_pack)
    assert sale.amount_minor == 1900 and sale.track is None
    report = ledger_month_report(month=sale.booked_on, group_by="track")
    assert [(r["name"], r["sale"]) for r in report] == [("Sample pack: Dusk Keys", 1900)]


def test_a_failed_build_is_recorded_for_the_cockpit(editor):
    track = licensable_track(title="Silent")
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.MASTER,
        content=wav_bytes(np.zeros((2, 8000)), 8000),
        filename="master.wav",
    )
    pack = SamplePack.objects.create(
        slug="silent", title="Silent", code="SIL", tier=tier("sample-pack"), price_minor=500
    )
    pack.tracks.set([track])
    services.sample_pack_request_build(pack=pack, actor=editor)

    tasks.sample_pack_build_task(pack.pk)

    pack.refresh_from_db()
    assert pack.status == SamplePack.Status.FAILED
    assert "No audible loops" in pack.build_error
    assert not pack.is_on_sale
