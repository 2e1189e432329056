"""Cutting sample-pack material from audio: loops on the beat grid, one-shots at onsets. No Django here.

Audio is float32 numpy of shape (channels, samples), as pedalboard and the production engine use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from production.engine.dsp import db_to_gain

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass(frozen=True)
class BeatGrid:
    bpm: float
    beat_times_s: np.ndarray  # seconds, ascending
    downbeat_phase: int = 0  # index of the first beat that starts a bar


@dataclass(frozen=True)
class Region:
    start: int  # samples
    stop: int

    @property
    def length(self) -> int:
        return self.stop - self.start


def to_mono(audio: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    return audio if audio.ndim == 1 else audio.mean(axis=0)


def beat_grid_detect(
    audio: np.ndarray, sample_rate: int, *, bpm_hint: float | None = None, beats_per_bar: int = 4
) -> BeatGrid:
    """Beat times with librosa's tracker (at the known tempo when there is one), snapped to the attacks in
    the audio, and the bar phase.

    The tempo reported is `bpm_hint` when given (the catalogue's analysed tempo is more reliable than a
    short-window estimate); otherwise librosa's estimate. Beats are moved to the start of the nearest
    attack within 40 ms, because the tracker's frames are 23 ms apart and a loop that starts late loses
    its downbeat's transient.
    """
    import librosa

    mono = to_mono(audio)
    onset_env = librosa.onset.onset_strength(y=mono, sr=sample_rate)
    if bpm_hint:  # lay the beats at the known tempo; the tracker only finds where they fall
        tempo, beats = librosa.beat.beat_track(
            onset_envelope=onset_env, sr=sample_rate, bpm=float(bpm_hint), units="frames"
        )
    else:  # LoFi sits around 70-95 BPM: start there so the tracker doesn't lock onto the hi-hats
        tempo, beats = librosa.beat.beat_track(onset_envelope=onset_env, sr=sample_rate, start_bpm=85.0, units="frames")
    bpm = float(bpm_hint) if bpm_hint else float(np.atleast_1d(tempo)[0])
    beat_times = snap_to_attacks(mono, sample_rate, librosa.frames_to_time(beats, sr=sample_rate))
    phase = downbeat_phase(bar_evidence(mono, sample_rate, beat_times), beats_per_bar)
    return BeatGrid(bpm=bpm, beat_times_s=beat_times, downbeat_phase=phase)


def bar_evidence(mono: np.ndarray, sample_rate: int, beat_times_s: np.ndarray) -> np.ndarray:
    """How much each beat looks like the start of a bar: a low-frequency attack (the kick) plus a change of
    harmony from the previous beat (chords change on the one), each standardised, summed."""
    import librosa

    if len(beat_times_s) < 2:
        return np.zeros(len(beat_times_s))
    frames = librosa.time_to_frames(beat_times_s, sr=sample_rate)
    # Six mel bands under 300 Hz need fine frequency bins: n_fft 4096 (same hop, so frames line up).
    low_env = librosa.onset.onset_strength(y=mono, sr=sample_rate, fmax=300.0, n_mels=6, n_fft=4096)
    low = low_env[np.clip(frames, 0, len(low_env) - 1)]
    chroma = librosa.feature.chroma_stft(y=mono, sr=sample_rate, norm=None)
    per_beat = librosa.util.sync(chroma, np.clip(frames, 0, chroma.shape[1] - 1), aggregate=np.mean)
    per_beat = per_beat[:, 1 : len(frames) + 1]  # column k covers beat k to beat k+1
    # Share of each pitch class per beat, with an energy floor: a near-silent beat (a chord that has died
    # away) has no harmony to change, instead of the random pitch profile of its noise.
    energy = per_beat.sum(axis=0)
    per_beat = per_beat / (energy + 0.05 * float(energy.max(initial=0.0)) + 1e-12)
    change = np.r_[0.0, np.linalg.norm(np.diff(per_beat, axis=1), axis=0)]
    change = np.pad(change, (0, max(0, len(frames) - len(change))))[: len(frames)]

    def standardise(values: np.ndarray) -> np.ndarray:
        spread = values.std()
        return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)

    return standardise(low) + standardise(change)


def attack_start(mono: np.ndarray, lo: int, hi: int, *, hop: int = 64) -> int:
    """Sample where the biggest attack in mono[lo:hi] starts (resolution `hop` samples): the frame after
    the last one still within 10% of the way from the quiet floor before the attack to its peak."""
    lo, hi = max(lo, 0), min(hi, mono.size)
    n = (hi - lo) // hop
    if n < 2:
        return lo
    frame_peaks = np.abs(mono[lo : lo + n * hop]).reshape(n, hop).max(axis=1)
    # Hold each peak for 3 more frames (about 9 ms at 22 kHz): the wobble of a low note's cycles or of
    # beating partials must not look like a new attack; holding backwards keeps the rise where it is.
    held = frame_peaks.copy()
    for shift in (1, 2, 3):  # a loop over three shifts, not samples
        held[shift:] = np.maximum(held[shift:], frame_peaks[:-shift])
    frame_peaks = held
    peak_frame = int(np.argmax(np.diff(frame_peaks))) + 1
    before = frame_peaks[: peak_frame + 1]
    floor, level = float(before.min()), float(frame_peaks[peak_frame])
    quiet = np.nonzero(before <= floor + 0.1 * (level - floor))[0]
    first = int(quiet[-1]) + 1 if quiet.size else 0
    return lo + min(first, peak_frame) * hop


def snap_to_attacks(mono: np.ndarray, sample_rate: int, times_s: np.ndarray, *, window_s: float = 0.04) -> np.ndarray:
    """Each time moved to the start of the strongest attack within ±`window_s` (unchanged in silence)."""
    window = int(window_s * sample_rate)
    snapped = np.asarray(times_s, dtype=np.float64).copy()
    for i, t in enumerate(snapped):  # a loop over beats, not samples
        centre = round(t * sample_rate)
        segment = mono[max(centre - window, 0) : centre + window]
        if segment.size and np.max(np.abs(segment)) > 1e-4:
            snapped[i] = attack_start(mono, centre - window, centre + window) / sample_rate
    return snapped


def downbeat_phase(beat_strengths: np.ndarray, beats_per_bar: int = 4) -> int:
    """Which beat position starts the bar: the phase whose beats carry the most onset energy (in LoFi the
    kick lands on the one). Returns 0 for fewer than one bar of beats."""
    strengths = np.asarray(beat_strengths, dtype=np.float64)
    if len(strengths) < beats_per_bar:
        return 0
    usable = len(strengths) - len(strengths) % beats_per_bar
    per_phase = strengths[:usable].reshape(-1, beats_per_bar).mean(axis=0)
    return int(np.argmax(per_phase))


def loop_regions(
    grid: BeatGrid, *, sample_rate: int, n_samples: int, bars: int, beats_per_bar: int = 4
) -> list[Region]:
    """Non-overlapping regions of exactly `bars` bars at the grid's tempo, each starting on a downbeat.

    The length comes from the tempo, not from the (slightly wobbly) detected beats, so every loop lines up
    in a DAW set to the BPM in its name.
    """
    length = round(bars * beats_per_bar * 60.0 / grid.bpm * sample_rate)
    downbeats = grid.beat_times_s[grid.downbeat_phase :: beats_per_bar]
    starts = np.round(downbeats * sample_rate).astype(np.int64)
    regions: list[Region] = []
    next_free = 0
    for start in starts:  # a loop over bars, not samples
        if start >= next_free and start + length <= n_samples:
            regions.append(Region(int(start), int(start + length)))
            next_free = start + length
    return regions


def rms_db(audio: np.ndarray) -> float:
    audio = np.asarray(audio, dtype=np.float64)
    value = float(np.sqrt(np.mean(np.square(audio)))) if audio.size else 0.0
    return 20.0 * np.log10(max(value, 1e-10))


def pick_regions(audio: np.ndarray, regions: list[Region], *, count: int, min_rms_db: float = -45.0) -> list[Region]:
    """The `count` loudest regions above `min_rms_db` (silent or near-silent bars are never sold as loops),
    returned in time order."""
    loudness = [(rms_db(audio[..., r.start : r.stop]), r) for r in regions]
    audible = [(db, r) for db, r in loudness if db >= min_rms_db]
    audible.sort(key=lambda item: item[0], reverse=True)
    return sorted((r for _, r in audible[:count]), key=lambda r: r.start)


def fade(audio: np.ndarray, sample_rate: int, *, fade_in_s: float, fade_out_s: float) -> np.ndarray:
    """A copy with raised-cosine fades at both ends (no clicks where a slice starts or stops)."""
    out = np.array(audio, dtype=np.float32, copy=True)
    n = out.shape[-1]
    for length, ramp_up in ((int(fade_in_s * sample_rate), True), (int(fade_out_s * sample_rate), False)):
        length = min(length, n)
        if length <= 1:
            continue
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, length))).astype(np.float32)
        if ramp_up:
            out[..., :length] *= ramp
        else:
            out[..., n - length :] *= ramp[::-1]
    return out


def normalise_peak(audio: np.ndarray, *, peak_dbfs: float = -1.0) -> np.ndarray:
    """Scale so the highest sample peak is `peak_dbfs`; silence comes back unchanged."""
    audio = np.asarray(audio, dtype=np.float32)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-6:
        return audio.copy()
    return (audio * (db_to_gain(peak_dbfs) / peak)).astype(np.float32)


def trim_tail(audio: np.ndarray, sample_rate: int, *, threshold_db: float = -50.0, hop: int = 256) -> np.ndarray:
    """Cut the tail after the last frame louder than `threshold_db` below the clip's peak."""
    mono = np.abs(to_mono(audio))
    if mono.size == 0:
        return audio
    peak = float(mono.max())
    if peak <= 0:
        return audio[..., :0]
    n_frames = int(np.ceil(mono.size / hop))
    padded = np.pad(mono, (0, n_frames * hop - mono.size))
    frame_peaks = padded.reshape(n_frames, hop).max(axis=1)
    loud = np.nonzero(frame_peaks >= peak * db_to_gain(threshold_db))[0]
    stop = min(int((loud[-1] + 1) * hop), mono.size) if loud.size else 0
    return audio[..., :stop]


def onset_samples(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onsets (sample indices), backtracked to the preceding energy minimum so slices keep their attack."""
    import librosa

    mono = to_mono(audio)
    if mono.size < 2048:
        return np.zeros(0, dtype=np.int64)
    onsets = librosa.onset.onset_detect(y=mono, sr=sample_rate, backtrack=True, units="samples")
    return np.unique(np.asarray(onsets, dtype=np.int64))


def one_shot_regions(
    audio: np.ndarray,
    sample_rate: int,
    *,
    max_len_s: float,
    min_len_s: float = 0.04,
    min_peak_rel_db: float = -30.0,
) -> list[Region]:
    """A region from each attack to the next onset (at most `max_len_s`). Starts are moved from librosa's
    frame grid to the sample where the attack begins; regions shorter than `min_len_s` or quieter than
    `min_peak_rel_db` below the loudest sample (tails, clicks, bleed) are dropped."""
    mono = to_mono(audio)
    onsets = onset_samples(audio, sample_rate)
    if onsets.size == 0:
        return []
    before, after = int(0.03 * sample_rate), int(0.06 * sample_rate)
    # librosa's onsets sit on a 23 ms frame grid, sometimes after the attack has begun: look around them.
    starts = np.unique([attack_start(mono, int(o) - before, int(o) + after) for o in onsets])
    ends = np.minimum(np.append(starts[1:], mono.size), starts + int(max_len_s * sample_rate))
    floor = float(np.max(np.abs(mono))) * db_to_gain(min_peak_rel_db)
    return [
        Region(int(start), int(stop))
        for start, stop in zip(starts, ends, strict=True)
        if stop - start >= int(min_len_s * sample_rate) and np.max(np.abs(mono[start:stop])) >= floor
    ]


def one_shot_clip(
    audio: np.ndarray, region: Region, sample_rate: int, *, fade_out_s: float = 0.02, peak_dbfs: float = -1.0
) -> np.ndarray:
    """Slice, trim the silent tail, fade (1 ms in to keep the attack, `fade_out_s` out) and normalise."""
    clip = trim_tail(audio[..., region.start : region.stop], sample_rate)
    if clip.shape[-1] == 0:
        return clip.astype(np.float32)
    clip = fade(clip, sample_rate, fade_in_s=0.001, fade_out_s=min(fade_out_s, clip.shape[-1] / sample_rate / 2))
    return normalise_peak(clip, peak_dbfs=peak_dbfs)


def drum_hit_class(clip: np.ndarray, sample_rate: int) -> str:
    """ "kick", "snare", "hat" or "perc" from the first 80 ms of a drum hit: low-end share (kick), spectral
    centroid (hat) and periodicity (a snare or clap is noise; a tom, rim or cowbell rings at a pitch)."""
    mono = to_mono(clip)[: int(0.08 * sample_rate)].astype(np.float64)
    if mono.size < 32:
        return "perc"
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(mono.size))) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1.0 / sample_rate)
    total = float(spectrum.sum()) or 1.0
    low = float(spectrum[freqs < 150].sum()) / total
    centroid = float((freqs * spectrum).sum()) / total
    if low > 0.5:
        return "kick"
    if centroid > 5000:
        return "hat"
    if centroid > 1000 and periodicity(mono, sample_rate) < 0.5:
        return "snare"
    return "perc"


def periodicity(mono: np.ndarray, sample_rate: int, *, min_hz: float = 50.0, max_hz: float = 2000.0) -> float:
    """Highest normalised autocorrelation at a pitch period between `min_hz` and `max_hz`: near 1 for a
    pitched sound, low for noise."""
    x = np.asarray(mono, dtype=np.float64) - float(np.mean(mono))
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    autocorrelation = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    if autocorrelation[0] <= 0:
        return 0.0
    lo, hi = int(sample_rate / max_hz), min(int(sample_rate / min_hz), n // 2)
    if hi <= lo:
        return 0.0
    return float(np.max(autocorrelation[lo:hi]) / autocorrelation[0])


def clip_features(clip: np.ndarray, sample_rate: int) -> np.ndarray:
    """A small timbre vector (MFCC means and log duration) for telling near-identical slices apart."""
    import librosa

    mono = to_mono(clip)
    n_fft = 1024 if mono.size >= 1024 else max(2 ** int(np.log2(max(mono.size, 32))), 32)
    mfcc = librosa.feature.mfcc(y=mono, sr=sample_rate, n_mfcc=13, n_fft=n_fft, hop_length=n_fft // 4, n_mels=40)
    return np.append(mfcc.mean(axis=1), np.log(mono.size / sample_rate + 1e-3) * 10.0)


def most_distinct(features: list[np.ndarray], count: int, *, first: int = 0) -> list[int]:
    """Greedy farthest-point choice of `count` indices, starting from `first`: a pack of eight kicks that
    are all the same hit would be a poor pack."""
    if not features:
        return []
    matrix = np.vstack(features)
    chosen = [first]
    distance = np.linalg.norm(matrix - matrix[first], axis=1)
    while len(chosen) < min(count, len(features)):
        candidate = int(np.argmax(distance))
        if distance[candidate] <= 1e-9:
            break  # only duplicates left
        chosen.append(candidate)
        distance = np.minimum(distance, np.linalg.norm(matrix - matrix[candidate], axis=1))
    return chosen


def demo_mix(
    clips: list[np.ndarray], sample_rate: int, *, max_s: float = 30.0, crossfade_s: float = 0.05
) -> np.ndarray:
    """Clips played one after another with short crossfades, at most `max_s` long, faded out at the end:
    a demo that shows the pack without giving its files away."""
    if not clips:
        return np.zeros((2, 0), dtype=np.float32)
    channels = max(c.shape[0] for c in clips)
    xfade = int(crossfade_s * sample_rate)
    limit = int(max_s * sample_rate)
    out = np.zeros((channels, 0), dtype=np.float32)
    for clip in clips:
        clip = np.broadcast_to(clip, (channels, clip.shape[-1])).astype(np.float32)
        clip = fade(normalise_peak(clip, peak_dbfs=-3.0), sample_rate, fade_in_s=crossfade_s, fade_out_s=crossfade_s)
        overlap = min(xfade, out.shape[-1], clip.shape[-1])
        if overlap:
            out[:, out.shape[-1] - overlap :] += clip[:, :overlap]
        out = np.concatenate([out, clip[:, overlap:]], axis=1)
        if out.shape[-1] >= limit:
            break
    out = out[:, :limit]
    return fade(normalise_peak(out, peak_dbfs=-1.0), sample_rate, fade_in_s=0.0, fade_out_s=min(1.0, max_s / 10))


# --- Names -----------------------------------------------------------------------------------------


def key_token(tonic: str, mode: str) -> str:
    """ "A", "minor" -> "Amin"; "F#", "major" -> "F#maj"; empty when the key is unknown."""
    if tonic not in PITCH_CLASSES or mode not in ("major", "minor"):
        return ""
    return f"{tonic}{'maj' if mode == 'major' else 'min'}"


def _upper_token(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _lower_token(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", text.lower())).strip("-")


def splice_name(
    *,
    label: str,
    pack: str,
    instrument: str,
    descriptor: str,
    bpm: float | None = None,
    key: str = "",
    ext: str = "wav",
) -> str:
    """Splice's convention: LABEL_PACK_BPM_instrument_descriptor_Key.ext.

    BPM is left out for one-shots (they have no tempo) and Key for unpitched sounds (drums), as Splice does;
    underscores separate the fields, so fields themselves use hyphens ("loop-01", "chord-stab-02").
    """
    parts = [_upper_token(label), _upper_token(pack)]
    if bpm:
        parts.append(str(round(bpm)))
    parts += [_lower_token(instrument), _lower_token(descriptor)]
    if key:
        parts.append(re.sub(r"[^A-Za-z0-9#]", "", key))
    if not all(parts):
        raise ValueError(f"every part of a sample name needs a value, got {parts}")
    return "_".join(parts) + "." + ext


def warm_numba_cache() -> None:
    """Compile, in this one process, every librosa kernel this module runs, so processes started afterwards only
    read numba's on-disk cache.

    librosa's kernels are numba functions cached on disk, and numba writes a @guvectorize function's cache as two
    files with no lock between them (numba issue #10128): two processes compiling the same kernel at once can
    leave a pair from different processes, and every later call in any process then crashes the interpreter
    (a segmentation fault in librosa.beat.beat_track). Run once per machine before several workers (django-q, the
    test suite's xdist workers) start: `manage.py warm_audio_cache`; `make run`, `make serve` and `make test` do.
    """
    sample_rate = 44100
    rng = np.random.default_rng(0)
    audio = np.zeros((2, sample_rate * 6), dtype=np.float32)
    for beat in range(int(6 * 85 / 60)):  # clicks at 85 BPM over a little noise: a beat grid to find
        start = int(beat * 60 / 85 * sample_rate)
        audio[:, start : start + 400] += np.hanning(800)[400:].astype(np.float32) * 0.8
    audio += rng.normal(0.0, 0.01, audio.shape).astype(np.float32)
    for hint in (None, 85.0):
        grid = beat_grid_detect(audio, sample_rate, bpm_hint=hint)
    onsets = onset_samples(audio, sample_rate)
    clip_features(audio[:, : sample_rate // 2], sample_rate)
    if not (grid.beat_times_s.size and onsets.size):  # the kernels ran on clicks: they find beats and onsets
        raise RuntimeError("librosa found no beats in the warm-up clicks")
