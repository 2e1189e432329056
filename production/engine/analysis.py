"""Analyse a track: loudness, tempo and beat grid, key and mode, energy, spectral centroid.

`analyze` reads the audio once, block by block, so a two-hour file never sits in memory whole:
- loudness (BS.1770-4 integrated, LRA, true peak) is measured on the original channels and rate through
  `loudness.LoudnessMeter`;
- the spectrum descriptors (centroid, roll-off, flatness, band balance) come from the mono downmix at the
  original rate;
- the mono downmix is resampled to ANALYSIS_RATE (11025 Hz) for the onset envelope (tempo) and the
  chroma (key); only small per-frame features (a few dozen floats per frame) are kept to the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.fft
from scipy import signal

from production.engine import audio_io
from production.engine.brief import PITCH_CLASSES
from production.engine.keydetect import ENDING_S, KeyEstimate, estimate_key
from production.engine.loudness import LoudnessMeter
from production.engine.tempo import estimate_tempo

ANALYSIS_RATE = 11025
ONSET_N_FFT = 1024
ONSET_HOP = 128  # 86.1 onset frames per second
ONSET_FRAME_RATE = ANALYSIS_RATE / ONSET_HOP
ONSET_FRAME_OFFSET_S = ONSET_N_FFT / 2 / ANALYSIS_RATE  # onset frame k describes the moment at its centre
ONSET_FLOOR = 1e-4  # mel power below this fraction of the loudest frame so far counts as silence
CHROMA_N_FFT = 8192  # 1.35 Hz bins: semitones stay apart (1.8 bins) down to E1 (41 Hz)
CHROMA_HOP = 2048
CHROMA_MIN_HZ = 38.0
CHROMA_MAX_HZ = 2000.0
BASS_MAX_HZ = 130.0  # bass register up to C3: low chord voicings (E3 and up) stay out
N_MELS = 64

DESCRIPTOR_NAMES = (
    "centroid_mean_hz",
    "centroid_std_hz",
    "rolloff_mean_hz",
    "rolloff_std_hz",
    "flatness_mean",
    "flatness_std",
    "low_band_share",
    "mid_band_share",
    "high_band_share",
    "onset_rate_per_s",
    "onset_strength_mean",
    "onset_strength_std",
    "level_std_db",
    "mode_is_major",
    *(f"chroma_rel_{i}" for i in range(12)),  # mean chroma, rotated so that index 0 is the detected tonic
)

# Energy anchors: each term maps its measure linearly from the first value (0) to the second (1), clipped.
ENERGY_TERMS = {
    "loudness_lufs": ((-30.0, -8.0), 0.3),
    "onset_rate_per_s": ((0.5, 6.0), 0.3),
    "bpm": ((60.0, 140.0), 0.2),
    "spectral_centroid_hz": ((800.0, 3500.0), 0.2),
}


@dataclass(frozen=True)
class AnalysisResult:
    duration_s: float
    sample_rate: int
    channels: int
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    bpm: float
    bpm_confidence: float
    key: str  # tonic, one of brief.PITCH_CLASSES (sharps)
    mode: str  # "major" or "minor"
    key_confidence: float
    camelot: str
    energy: float
    spectral_centroid_hz: float
    beat_times_s: np.ndarray = field(repr=False, compare=False)
    descriptors: dict[str, float] = field(repr=False, compare=False)  # DESCRIPTOR_NAMES -> value

    def to_dict(self) -> dict[str, float | int | str]:
        """The headline figures as plain JSON-ready values (the beat grid and descriptors are left out)."""
        return {
            "duration_s": round(self.duration_s, 3),
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "integrated_lufs": round(self.integrated_lufs, 2),
            "true_peak_dbtp": round(self.true_peak_dbtp, 2),
            "loudness_range_lu": round(self.loudness_range_lu, 2),
            "bpm": round(self.bpm, 2),
            "bpm_confidence": round(self.bpm_confidence, 3),
            "key": self.key,
            "mode": self.mode,
            "key_confidence": round(self.key_confidence, 3),
            "camelot": self.camelot,
            "energy": round(self.energy, 3),
            "spectral_centroid_hz": round(self.spectral_centroid_hz, 1),
        }


def analyze(source: str | os.PathLike | tuple[np.ndarray, int], *, block_s: float = 10.0) -> AnalysisResult:
    """Analyse a file (any format `audio_io` reads) or an in-memory `(audio (channels, n), sample_rate)`.

    energy (0-1) is a weighted sum of four clipped linear terms (see ENERGY_TERMS): integrated loudness
    (-30 -> 0, -8 LUFS -> 1, weight 0.3), onset rate (0.5 -> 0, 6 onsets/s -> 1, 0.3), tempo (60 -> 0,
    140 BPM -> 1, 0.2) and spectral centroid (800 -> 0, 3500 Hz -> 1, 0.2). A sleepy piano sketch scores
    near 0.1, a busy boom-bap loop near 0.6.
    """
    if isinstance(source, tuple):
        audio, sample_rate = source
        audio = np.atleast_2d(np.asarray(audio, dtype=np.float32))
        blocks: Iterator[np.ndarray] = _split(audio, max(1, int(block_s * sample_rate)))
        channels = audio.shape[0]
    else:
        info = audio_io.probe(source)
        sample_rate, channels = info.sample_rate, info.channels
        blocks = audio_io.iter_blocks(source, block_s)
    extractor = FeatureExtractor(sample_rate=int(sample_rate), channels=channels)
    for block in blocks:
        extractor.add(block)
    return extractor.result()


class FeatureExtractor:
    """Streaming analysis: `add` consecutive (channels, n) blocks at `sample_rate`, then `result()` once."""

    def __init__(self, *, sample_rate: int, channels: int) -> None:
        import librosa  # only for its filter banks; imported here to keep module import light

        self.sample_rate = sample_rate
        self.channels = channels
        self._frames_in = 0
        self._meter = LoudnessMeter(channels=channels, sample_rate=sample_rate)
        self._resampler = (
            audio_io.Resampler(sample_rate, ANALYSIS_RATE, channels=1) if sample_rate != ANALYSIS_RATE else None
        )
        self._onset_stream = _FrameStream(ONSET_N_FFT, ONSET_HOP)
        self._chroma_stream = _FrameStream(CHROMA_N_FFT, CHROMA_HOP)
        native_n_fft = 1 << int(np.round(np.log2(0.046 * sample_rate)))  # ~46 ms frames
        self._native_stream = _FrameStream(native_n_fft, native_n_fft)
        self._native_freqs = np.fft.rfftfreq(native_n_fft, 1.0 / sample_rate)
        self._mel = librosa.filters.mel(
            sr=ANALYSIS_RATE, n_fft=ONSET_N_FFT, n_mels=N_MELS, fmin=30.0, fmax=ANALYSIS_RATE / 2
        ).astype(np.float32)
        self._chroma_filter = pitch_class_filter(ANALYSIS_RATE, CHROMA_N_FFT, CHROMA_MIN_HZ, CHROMA_MAX_HZ)
        self._bass_filter = pitch_class_filter(ANALYSIS_RATE, CHROMA_N_FFT, CHROMA_MIN_HZ, BASS_MAX_HZ)
        self._previous_mel_db: np.ndarray | None = None
        self._mel_peak = 1e-10
        self._onset: list[np.ndarray] = []
        self._chroma: list[np.ndarray] = []
        self._bass: list[np.ndarray] = []
        self._spectral: list[np.ndarray] = []  # rows: power, centroid, rolloff, flatness, low, mid, high

    def add(self, block: np.ndarray) -> None:
        block = np.atleast_2d(np.asarray(block, dtype=np.float32))
        if block.shape[1] == 0:
            return
        self._frames_in += block.shape[1]
        self._meter.add(block)
        mono = block.mean(axis=0)
        self._add_native(self._native_stream.push(mono))
        low_rate = self._resampler.process(mono[None, :])[0] if self._resampler else mono
        self._add_analysis_rate(low_rate)

    def result(self) -> AnalysisResult:
        if self._resampler is not None:
            self._add_analysis_rate(self._resampler.flush()[0])
        loudness = self._meter.result()
        onset = np.concatenate(self._onset) if self._onset else np.zeros(0)
        tempo = estimate_tempo(onset, ONSET_FRAME_RATE, time_offset_s=ONSET_FRAME_OFFSET_S)
        chroma = np.concatenate(self._chroma, axis=1) if self._chroma else np.zeros((12, 0))
        bass = np.concatenate(self._bass, axis=1) if self._bass else np.zeros((12, 0))
        key = estimate_key(_summarise_chroma(chroma), _summarise_chroma(bass), _ending(bass, chroma))
        spectral = np.concatenate(self._spectral, axis=1) if self._spectral else np.zeros((7, 0))
        descriptors = _descriptors(spectral, onset, chroma, key)
        centroid_hz = descriptors["centroid_mean_hz"]
        energy = energy_score(
            loudness_lufs=loudness.integrated_lufs,
            onset_rate_per_s=descriptors["onset_rate_per_s"],
            bpm=tempo.bpm,
            spectral_centroid_hz=centroid_hz,
        )
        return AnalysisResult(
            duration_s=self._frames_in / self.sample_rate,
            sample_rate=self.sample_rate,
            channels=self.channels,
            integrated_lufs=loudness.integrated_lufs,
            true_peak_dbtp=loudness.true_peak_dbtp,
            loudness_range_lu=loudness.loudness_range_lu,
            bpm=tempo.bpm,
            bpm_confidence=tempo.confidence,
            key=key.tonic,
            mode=key.mode,
            key_confidence=key.confidence,
            camelot=key.camelot,
            energy=energy,
            spectral_centroid_hz=centroid_hz,
            beat_times_s=tempo.beat_times_s,
            descriptors=descriptors,
        )

    def _add_native(self, magnitudes: np.ndarray) -> None:
        if magnitudes.shape[0] == 0:
            return
        power = magnitudes.astype(np.float64) ** 2
        total = power.sum(axis=1)
        safe = np.where(total > 0, total, 1.0)
        freqs = self._native_freqs
        centroid = power @ freqs / safe
        cumulative = np.cumsum(power, axis=1)
        rolloff = freqs[np.minimum((cumulative < 0.85 * total[:, None]).sum(axis=1), freqs.size - 1)]
        log_mag = np.log(magnitudes.astype(np.float64) + 1e-10)
        flatness = np.exp(log_mag.mean(axis=1)) / (magnitudes.mean(axis=1) + 1e-10)
        low = power[:, freqs < 250].sum(axis=1) / safe
        high = power[:, freqs >= 4000].sum(axis=1) / safe
        mid = 1.0 - low - high
        self._spectral.append(np.stack([total, centroid, rolloff, flatness, low, mid, high]))

    def _add_analysis_rate(self, samples: np.ndarray) -> None:
        onset_mags = self._onset_stream.push(samples)
        if onset_mags.shape[0]:
            mel_power = (onset_mags**2) @ self._mel.T
            # A floor relative to the loudest frame so far: in dB, rises out of near-silence would otherwise
            # fire while the attack is still at the very edge of the analysis window.
            self._mel_peak = max(self._mel_peak, float(mel_power.max()))
            mel_db = 10.0 * np.log10(np.maximum(mel_power, ONSET_FLOOR * self._mel_peak))
            previous = self._previous_mel_db if self._previous_mel_db is not None else mel_db[:1]
            rises = np.diff(np.concatenate([previous, mel_db]), axis=0)
            self._onset.append(np.maximum(rises, 0.0).mean(axis=1))
            self._previous_mel_db = mel_db[-1:]
        chroma_mags = self._chroma_stream.push(samples)
        if chroma_mags.shape[0]:
            self._chroma.append(self._chroma_filter @ chroma_mags.T)
            self._bass.append(self._bass_filter @ chroma_mags.T)


class _FrameStream:
    """Cuts a stream of samples into Hann-windowed frames (frame k starts at sample k*hop) and returns
    their magnitude spectra, (n_frames, n_fft//2 + 1) float32, as soon as each frame is complete."""

    def __init__(self, n_fft: int, hop: int) -> None:
        self.n_fft = n_fft
        self.hop = hop
        self._window = np.hanning(n_fft + 1)[:-1].astype(np.float32)
        self._buffer = np.zeros(0, dtype=np.float32)

    def push(self, samples: np.ndarray) -> np.ndarray:
        self._buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        if self._buffer.size < self.n_fft:
            return np.zeros((0, self.n_fft // 2 + 1), dtype=np.float32)
        n_frames = (self._buffer.size - self.n_fft) // self.hop + 1
        frames = np.lib.stride_tricks.sliding_window_view(self._buffer, self.n_fft)[:: self.hop][:n_frames]
        magnitudes = np.abs(scipy.fft.rfft(frames * self._window, axis=1)).astype(np.float32)
        self._buffer = self._buffer[n_frames * self.hop :]
        return magnitudes


def pitch_class_filter(sample_rate: int, n_fft: int, fmin_hz: float, fmax_hz: float) -> np.ndarray:
    """(12, n_fft//2 + 1) weights mapping a magnitude spectrum to pitch classes (C first, A4 = 440 Hz).

    Each bin between fmin_hz and fmax_hz counts towards its nearest semitone with a Gaussian weight on the
    distance in semitones (sd 0.25), so energy between two semitones counts little towards either.
    """
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    weights = np.zeros((12, freqs.size), dtype=np.float32)
    inside = (freqs >= fmin_hz) & (freqs <= fmax_hz)
    midi = 69.0 + 12.0 * np.log2(freqs[inside] / 440.0)
    nearest = np.round(midi)
    weight = np.exp(-0.5 * ((midi - nearest) / 0.25) ** 2)
    columns = np.nonzero(inside)[0]
    weights[nearest.astype(int) % 12, columns] = weight
    return weights


def energy_score(*, loudness_lufs: float, onset_rate_per_s: float, bpm: float, spectral_centroid_hz: float) -> float:
    """The documented 0-1 energy scale (see ENERGY_TERMS and `analyze`)."""
    values = {
        "loudness_lufs": loudness_lufs,
        "onset_rate_per_s": onset_rate_per_s,
        "bpm": bpm,
        "spectral_centroid_hz": spectral_centroid_hz,
    }
    total = 0.0
    for name, ((low, high), weight) in ENERGY_TERMS.items():
        total += weight * float(np.clip((values[name] - low) / (high - low), 0.0, 1.0))
    return total


def _summarise_chroma(chroma: np.ndarray) -> np.ndarray:
    """Time-average of per-frame chroma, each frame normalised to its own maximum and compressed so that a
    few loud chords do not outvote the rest; near-silent frames are left out."""
    if chroma.shape[1] == 0:
        return np.zeros(12)
    frame_max = chroma.max(axis=0)
    loud = frame_max > 1e-3 * max(float(frame_max.max()), 1e-12)
    if not np.any(loud):
        return np.zeros(12)
    normalised = chroma[:, loud] / frame_max[loud]
    return np.log1p(10.0 * normalised).mean(axis=1)


def _ending(bass: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Summarised bass chroma of the last ENDING_S seconds before the music stops (frames whose chroma
    falls below 1% of the loudest frame, such as a silent or noise-only tail, do not count)."""
    if chroma.shape[1] == 0:
        return np.zeros(12)
    frame_max = chroma.max(axis=0)
    audible = np.flatnonzero(frame_max > 1e-2 * frame_max.max())
    if audible.size == 0:
        return np.zeros(12)
    end = int(audible[-1]) + 1
    start = max(0, end - round(ENDING_S * ANALYSIS_RATE / CHROMA_HOP))
    return _summarise_chroma(bass[:, start:end])


def _descriptors(spectral: np.ndarray, onset: np.ndarray, chroma: np.ndarray, key: KeyEstimate) -> dict[str, float]:
    power, centroid, rolloff, flatness, low, mid, high = spectral
    audible = power > 1e-6 * max(float(power.max()), 1e-20) if power.size else np.zeros(0, dtype=bool)
    weights = power[audible]

    def weighted(values: np.ndarray) -> tuple[float, float]:
        if not np.any(audible) or weights.sum() <= 0:
            return 0.0, 0.0
        mean = float(np.average(values[audible], weights=weights))
        std = float(np.sqrt(np.average((values[audible] - mean) ** 2, weights=weights)))
        return mean, std

    centroid_mean, centroid_std = weighted(centroid)
    rolloff_mean, rolloff_std = weighted(rolloff)
    flatness_mean, flatness_std = weighted(flatness)
    duration_s = onset.size / ONSET_FRAME_RATE
    if onset.size and np.any(onset > 0):
        threshold = onset.mean() + 0.5 * onset.std()
        peaks, _ = signal.find_peaks(onset, height=threshold, distance=max(1, int(0.05 * ONSET_FRAME_RATE)))
        onset_rate = peaks.size / max(duration_s, 1e-9)
    else:
        onset_rate = 0.0
    level_db = 10 * np.log10(power[audible] + 1e-12) if np.any(audible) else np.zeros(1)
    chroma_mean = _summarise_chroma(chroma)
    chroma_mean = chroma_mean / chroma_mean.sum() if chroma_mean.sum() > 0 else chroma_mean
    rotated = np.roll(chroma_mean, -PITCH_CLASSES.index(key.tonic))
    values = [
        centroid_mean,
        centroid_std,
        rolloff_mean,
        rolloff_std,
        flatness_mean,
        flatness_std,
        weighted(low)[0],
        weighted(mid)[0],
        weighted(high)[0],
        onset_rate,
        float(onset.mean()) if onset.size else 0.0,
        float(onset.std()) if onset.size else 0.0,
        float(level_db.std()),
        1.0 if key.mode == "major" else 0.0,
        *rotated.tolist(),
    ]
    return dict(zip(DESCRIPTOR_NAMES, (float(v) for v in values), strict=True))


def _split(audio: np.ndarray, block: int) -> Iterator[np.ndarray]:
    for start in range(0, audio.shape[1], block):
        yield audio[:, start : start + block]
