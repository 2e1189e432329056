"""Building a sample pack from catalogue material: read stems, MIDI and master from storage, cut with
`packs_audio`, write a zip (loops, one-shots, MIDI, README, LICENCE) to private storage and a short demo
to public storage. Called by `services.sample_pack_build`, which records the result.
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import soundfile
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone
from pedalboard.io import AudioFile

from catalog.models import Asset, Track
from monetization import conf
from monetization.engine import packs_audio
from monetization.models import SamplePack, SamplePackItem

log = logging.getLogger(__name__)

DRUM_PARTS = {"drums", "perc", "percussion"}
# Pads are sustained textures, not struck chords: their onsets make poor stabs.
CHORD_PARTS = {"keys", "piano", "pluck", "chords", "rhodes", "guitar"}
LOOPS_PER_STEM = 2
LOOPS_FROM_MIX = 3
DRUM_HITS_PER_TRACK = 8
CHORD_STABS_PER_TRACK = 4
DEMO_MAX_S = 30.0
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed entry dates: the same material zips to the same bytes


@dataclass
class PackBuildResult:
    items: list[SamplePackItem]
    archive_path: str
    archive_size_bytes: int
    demo_path: str


@dataclass
class _Builder:
    pack: SamplePack
    label: str
    zf: zipfile.ZipFile
    root: str
    items: list[SamplePackItem] = field(default_factory=list)
    counters: dict = field(default_factory=lambda: defaultdict(int))
    demo_clips: list[tuple[np.ndarray, int]] = field(default_factory=list)

    def number(self, *key) -> int:
        self.counters[key] += 1
        return self.counters[key]

    def add_bytes(
        self,
        folder: str,
        name: str,
        data: bytes,
        *,
        kind: str,
        instrument: str = "",
        track: Track | None = None,
        bpm: float | None = None,
        key: str = "",
        duration_s: float | None = None,
    ) -> None:
        path = f"{self.root}/{folder}/{name}" if folder else f"{self.root}/{name}"
        info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
        # WAV barely compresses; storing it keeps building fast and lets unzip stream it.
        info.compress_type = zipfile.ZIP_STORED if name.endswith(".wav") else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zf.writestr(info, data)
        self.items.append(
            SamplePackItem(
                filename=path.split("/", 1)[1],
                kind=kind,
                instrument=instrument,
                bpm=round(bpm, 2) if bpm else None,
                key=key,
                duration_s=duration_s,
                size_bytes=len(data),
                source_track=track,
            )
        )

    def add_audio(self, folder: str, name: str, audio: np.ndarray, sample_rate: int, **details) -> None:
        self.add_bytes(
            folder,
            name,
            _wav_bytes(audio, sample_rate),
            duration_s=round(audio.shape[-1] / sample_rate, 3),
            **details,
        )


def pack_build(pack: SamplePack) -> PackBuildResult:
    """Cut, name and zip the pack's material. Takes the pack's tracks with their stems, MIDI and master;
    guarantees every loop is exactly `loop_bars` bars at its track's tempo and starts on a downbeat, every
    one-shot is trimmed, faded and peak-normalised to -1 dBFS, and every file follows the naming convention.
    Raises ValueError when the tracks give nothing to sell."""
    tracks = list(pack.tracks.select_related("artist").prefetch_related("assets").order_by("pk"))
    if not tracks:
        raise ValueError("The pack has no tracks to cut material from.")
    label = conf.pack_label_code()
    root = f"{label}_{pack.code}"
    with tempfile.TemporaryFile(suffix=".zip") as archive:
        with zipfile.ZipFile(archive, "w") as zf:
            builder = _Builder(pack=pack, label=label, zf=zf, root=root)
            for track in tracks:
                _add_track(builder, track)
            if not any(i.kind in (SamplePackItem.Kind.LOOP, SamplePackItem.Kind.ONE_SHOT) for i in builder.items):
                raise ValueError("No audible loops or one-shots could be cut: do the tracks have stems or a master?")
            builder.add_bytes(
                "",
                "README.txt",
                _readme(pack, builder.items, tracks).encode(),
                kind=SamplePackItem.Kind.DOCUMENT,
            )
            builder.add_bytes("", "LICENCE.txt", _licence_text(pack).encode(), kind=SamplePackItem.Kind.DOCUMENT)
        size = archive.tell()
        archive.seek(0)
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        archive_path = storages["private"].save(
            f"packs/{pack.uuid}/{pack.slug}-{stamp}.zip", File(archive, name=f"{pack.slug}.zip")
        )
    demo_path = _store_demo(pack, builder.demo_clips, stamp)
    return PackBuildResult(items=builder.items, archive_path=archive_path, archive_size_bytes=size, demo_path=demo_path)


def _add_track(builder: _Builder, track: Track) -> None:
    stems = [a for a in track.assets.all() if a.kind == Asset.Kind.STEM]
    midis = [a for a in track.assets.all() if a.kind == Asset.Kind.MIDI]
    master = track.asset(Asset.Kind.MASTER)
    key = packs_audio.key_token(track.key, track.mode)
    grid_source = master or (stems[0] if stems else None)
    if grid_source is None:
        log.warning("Track %s has neither a master nor stems; only its MIDI goes into the pack.", track.pk)
        grid = None
    else:
        audio, sample_rate = _read_audio(grid_source)
        grid = _beat_grid(track, audio, sample_rate)
        if not stems:  # an uploaded track without stems: loops of the full mix
            _add_loops(builder, track, grid, audio, sample_rate, "full", key, LOOPS_FROM_MIX)
        del audio
    for stem in sorted(stems, key=lambda a: a.label):
        part = (stem.label or "stem").lower()
        audio, sample_rate = _read_audio(stem)
        stem_grid = grid or _beat_grid(track, audio, sample_rate)
        pitched = part not in DRUM_PARTS
        _add_loops(builder, track, stem_grid, audio, sample_rate, part, key if pitched else "", LOOPS_PER_STEM)
        if part in DRUM_PARTS:
            _add_drum_hits(builder, track, audio, sample_rate)
        elif part in CHORD_PARTS:
            _add_chord_stabs(builder, track, audio, sample_rate, part, key)
        del audio
    for midi in sorted(midis, key=lambda a: a.label):
        with midi.open("rb") as fh:
            data = fh.read()
        for part, is_drum, part_bytes in _midi_parts(data, default_part=midi.label or "full"):
            n = builder.number("midi", part)
            part_key = "" if is_drum or part in DRUM_PARTS else key
            name = packs_audio.splice_name(
                label=builder.label,
                pack=builder.pack.code,
                bpm=_bpm(track, grid),
                instrument=part,
                descriptor=f"midi-{n:02d}",
                key=part_key,
                ext="mid",
            )
            builder.add_bytes(
                "MIDI",
                name,
                part_bytes,
                kind=SamplePackItem.Kind.MIDI,
                instrument=part,
                track=track,
                bpm=_bpm(track, grid),
                key=part_key,
            )


def _midi_parts(data: bytes, *, default_part: str) -> list[tuple[str, bool, bytes]]:
    """One MIDI file per instrument of a score (a producer wants the bass line alone), as
    (part name, is drums, bytes). A file with one instrument is kept as it is."""
    import pretty_midi

    score = pretty_midi.PrettyMIDI(io.BytesIO(data))
    instruments = [i for i in score.instruments if i.notes]
    if len(instruments) <= 1:
        is_drum = bool(instruments and instruments[0].is_drum)
        name = (instruments[0].name if instruments and instruments[0].name else default_part).lower()
        return [(_part_token(name), is_drum, data)]
    _, tempi = score.get_tempo_changes()
    parts = []
    for instrument in instruments:  # a loop over parts, not notes
        single = pretty_midi.PrettyMIDI(
            initial_tempo=float(tempi[0]) if len(tempi) else 120.0, resolution=score.resolution
        )
        single.time_signature_changes = list(score.time_signature_changes)
        single.key_signature_changes = list(score.key_signature_changes)
        single.instruments.append(instrument)
        buffer = io.BytesIO()
        single.write(buffer)
        name = instrument.name or pretty_midi.program_to_instrument_name(instrument.program)
        parts.append((_part_token(name), instrument.is_drum, buffer.getvalue()))
    return parts


def _part_token(name: str) -> str:
    """A part name fit for a file name field: "Electric Piano 1" -> "electric-piano-1"."""
    cleaned = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    return "-".join(filter(None, cleaned.split("-"))) or "part"


def _bpm(track: Track, grid: packs_audio.BeatGrid | None) -> float | None:
    return track.bpm or (grid.bpm if grid else None)


def _beat_grid(track: Track, audio: np.ndarray, sample_rate: int) -> packs_audio.BeatGrid:
    """The analysed grid when the track's analysis carries beat times (snapped to the attacks of this
    audio), else one computed here at the catalogue tempo."""
    analysis = track.analysis or {}
    bpm = track.bpm or analysis.get("bpm") or None
    beat_times = analysis.get("beat_times_s") or analysis.get("beats_s") or analysis.get("beat_times")
    if bpm and beat_times and len(beat_times) >= 8:
        mono = packs_audio.to_mono(audio)
        times = packs_audio.snap_to_attacks(mono, sample_rate, np.asarray(beat_times, dtype=np.float64))
        if "downbeat_phase" in analysis:
            phase = int(analysis["downbeat_phase"])
        else:
            phase = packs_audio.downbeat_phase(packs_audio.bar_evidence(mono, sample_rate, times))
        return packs_audio.BeatGrid(bpm=float(bpm), beat_times_s=times, downbeat_phase=phase)
    return packs_audio.beat_grid_detect(audio, sample_rate, bpm_hint=bpm)


def _add_loops(
    builder: _Builder,
    track: Track,
    grid: packs_audio.BeatGrid,
    audio: np.ndarray,
    sample_rate: int,
    part: str,
    key: str,
    count: int,
) -> None:
    regions = packs_audio.loop_regions(
        grid, sample_rate=sample_rate, n_samples=audio.shape[-1], bars=builder.pack.loop_bars
    )
    for region in packs_audio.pick_regions(audio, regions, count=count):
        loop = audio[..., region.start : region.stop]
        # Edges only get 1-2 ms: enough to kill a click, too short to soften the downbeat.
        loop = packs_audio.normalise_peak(packs_audio.fade(loop, sample_rate, fade_in_s=0.001, fade_out_s=0.002))
        n = builder.number("loop", part)
        bpm = _bpm(track, grid)
        name = packs_audio.splice_name(
            label=builder.label,
            pack=builder.pack.code,
            bpm=bpm,
            instrument=part,
            descriptor=f"loop-{n:02d}",
            key=key,
        )
        builder.add_audio(
            f"Loops/{part.title()}",
            name,
            loop,
            sample_rate,
            kind=SamplePackItem.Kind.LOOP,
            instrument=part,
            track=track,
            bpm=bpm,
            key=key,
        )
        if n == 1:
            builder.demo_clips.append((loop, sample_rate))


def _one_shots(audio: np.ndarray, sample_rate: int, max_len_s: float) -> Iterator[np.ndarray]:
    for region in packs_audio.one_shot_regions(audio, sample_rate, max_len_s=max_len_s):
        clip = packs_audio.one_shot_clip(audio, region, sample_rate)
        if clip.shape[-1] >= int(0.03 * sample_rate) and packs_audio.rms_db(clip) > -40:
            yield clip


def _add_drum_hits(builder: _Builder, track: Track, audio: np.ndarray, sample_rate: int) -> None:
    clips = list(_one_shots(audio, sample_rate, max_len_s=1.0))
    if not clips:
        return
    by_class: dict[str, list[np.ndarray]] = defaultdict(list)
    for clip in clips:
        by_class[packs_audio.drum_hit_class(clip, sample_rate)].append(clip)
    per_class = max(1, DRUM_HITS_PER_TRACK // len(by_class))
    for hit_class in sorted(by_class):
        group = by_class[hit_class]
        features = [packs_audio.clip_features(c, sample_rate) for c in group]
        for index in packs_audio.most_distinct(features, per_class):
            n = builder.number("hit", hit_class)
            name = packs_audio.splice_name(
                label=builder.label,
                pack=builder.pack.code,
                instrument=hit_class,
                descriptor=f"one-shot-{n:02d}",
            )
            builder.add_audio(
                "One Shots/Drums",
                name,
                group[index],
                sample_rate,
                kind=SamplePackItem.Kind.ONE_SHOT,
                instrument=hit_class,
                track=track,
            )


def _add_chord_stabs(builder: _Builder, track: Track, audio: np.ndarray, sample_rate: int, part: str, key: str) -> None:
    clips = [c for c in _one_shots(audio, sample_rate, max_len_s=2.0) if c.shape[-1] >= int(0.25 * sample_rate)]
    if not clips:
        return
    features = [packs_audio.clip_features(c, sample_rate) for c in clips]
    for index in packs_audio.most_distinct(features, CHORD_STABS_PER_TRACK):
        n = builder.number("stab", part)
        name = packs_audio.splice_name(
            label=builder.label,
            pack=builder.pack.code,
            instrument=part,
            descriptor=f"chord-stab-{n:02d}",
            key=key,
        )
        builder.add_audio(
            "One Shots/Chord Stabs",
            name,
            clips[index],
            sample_rate,
            kind=SamplePackItem.Kind.ONE_SHOT,
            instrument=part,
            track=track,
            key=key,
        )


def _read_audio(asset: Asset) -> tuple[np.ndarray, int]:
    """The whole file as (channels, samples) float32. Works on any storage (local or S3), since pedalboard
    decodes from the file object the storage opens."""
    with asset.open("rb") as fh, AudioFile(fh) as audio_file:
        audio = audio_file.read(audio_file.frames)
        return np.ascontiguousarray(audio, dtype=np.float32), int(audio_file.samplerate)


def _wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(audio, -1.0, 1.0).T, sample_rate, subtype="PCM_24", format="WAV")
    return buffer.getvalue()


def _store_demo(pack: SamplePack, clips: list[tuple[np.ndarray, int]], stamp: str) -> str:
    """A demo of at most DEMO_MAX_S seconds: the first loop of each part in turn, as a 96 kb/s MP3."""
    if not clips:
        return ""
    sample_rate = clips[0][1]
    same_rate = [clip for clip, rate in clips if rate == sample_rate]
    per_clip_s = max(DEMO_MAX_S / len(same_rate), 4.0)
    excerpts = [clip[..., : int(per_clip_s * sample_rate)] for clip in same_rate]
    demo = packs_audio.demo_mix(excerpts, sample_rate, max_s=DEMO_MAX_S)
    buffer = io.BytesIO()
    with AudioFile(buffer, "w", samplerate=sample_rate, num_channels=demo.shape[0], format="mp3", quality="96k") as out:
        out.write(demo)
    return storages["default"].save(f"packs/{pack.uuid}/demo-{stamp}.mp3", ContentFile(buffer.getvalue()))


def _readme(pack: SamplePack, items: list[SamplePackItem], tracks: list[Track]) -> str:
    from django.conf import settings

    counts = defaultdict(int)
    for item in items:
        counts[item.get_kind_display()] += 1
    lines = [
        f"{pack.title} — {settings.LABEL_NAME}",
        "=" * 60,
        "",
        pack.description.strip() or "Loops, one-shots and MIDI cut from the label's catalogue.",
        "",
        "Contents",
        *(f"  {n:3d} {kind.lower()} file(s)" for kind, n in sorted(counts.items())),
        "",
        "Source tracks",
        *(f"  {t.title} by {t.artist.name}: {t.bpm or '?'} BPM, {t.key_display or 'key unknown'}" for t in tracks),
        "",
        "File names",
        "  LABEL_PACK_BPM_instrument_descriptor_Key.wav, e.g. "
        f"{conf.pack_label_code()}_{pack.code}_82_keys_loop-01_Amin.wav.",
        "  One-shots carry no BPM and drum sounds no key. Loops are exactly "
        f"{pack.loop_bars} bar(s) of 4/4 at the BPM in their name and start on the downbeat:",
        "  set your project to that tempo and they line up.",
        "  Audio is 24-bit WAV at the source tracks' sample rate; one-shots are peak-normalised to -1 dBFS.",
        "",
        "Licence",
        "  LICENCE.txt holds the sample licence. Your licence certificate (e-mailed with your order) names",
        "  the terms version that applies to your purchase and has a code anyone can verify at",
        f"  {conf.site_url()}/licences/verify/",
        "",
    ]
    return "\n".join(lines)


def _licence_text(pack: SamplePack) -> str:
    terms = pack.tier.terms_versions.order_by("-version").first()
    if terms is None:
        raise ValueError(f"The licence tier {pack.tier} has no terms text.")
    return f"{terms.tier.name} — terms version {terms.version}\n\n{terms.text}"
