"""Analysis of catalogue tracks: measured facts on the Track, the beat grid in its analysis JSON, and the
waveform and spectrogram pictures the cockpit shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Asset, Track
from catalog.services import asset_store
from production.engine import analysis as engine_analysis
from production.engine import visuals
from production.engine.jsonsafe import json_safe
from production.services.track_audio import local_audio_path, track_audio_asset

PICTURE_KINDS = (Asset.Kind.WAVEFORM, Asset.Kind.PEAKS, Asset.Kind.SPECTROGRAM)


def analysis_document(result: engine_analysis.AnalysisResult) -> dict:
    """The JSON kept under Track.analysis["measured"]: the headline figures (`AnalysisResult.to_dict`), the
    beat grid (seconds, 3 decimals) and the spectral descriptors the mood tagger learns from.
    Non-finite numbers become null."""
    return json_safe(
        {
            **result.to_dict(),
            "beat_times_s": [round(float(t), 3) for t in result.beat_times_s],
            "descriptors": {name: round(float(value), 6) for name, value in result.descriptors.items()},
            "analysed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )


def track_analyze(*, track: Track) -> Track:
    """Analyse the track's audio (its uploaded original, else its master) and record what was measured.

    Fills duration_s, integrated_lufs, true_peak_dbtp, loudness_range_lu and energy, and
    analysis["measured"] (headline figures, beat grid, descriptors). BPM, key and mode are filled from the
    measurement for uploads; a generated track keeps the BPM and key its brief asked for (what the engine
    played), and the measurement sits beside them in the JSON. Writes the waveform PNG, peaks JSON and
    spectrogram PNG (public assets) when the track lacks any of them. Idempotent: a second run rewrites the
    same values. Raises ValidationError when the track has no audio file.
    """
    asset = track_audio_asset(track)
    if asset is None:
        raise ValidationError(f"{track} has no original or master file to analyse.")
    have = set(Asset.objects.filter(track=track, kind__in=PICTURE_KINDS).values_list("kind", flat=True))
    with local_audio_path(asset) as path:
        result = engine_analysis.analyze(path)
        pictures = []
        if have != set(PICTURE_KINDS):
            pictures = [
                (Asset.Kind.WAVEFORM, "waveform.png", visuals.waveform_png(path), "png"),
                (
                    Asset.Kind.PEAKS,
                    "peaks.json",
                    json.dumps(visuals.peaks_json(path), separators=(",", ":")).encode(),
                    "json",
                ),
                (Asset.Kind.SPECTROGRAM, "spectrogram.png", visuals.spectrogram_png(path), "png"),
            ]
    document = analysis_document(result)
    with transaction.atomic():
        locked = Track.objects.select_for_update().get(pk=track.pk)
        locked.analysis = {**(locked.analysis or {}), "measured": document}
        locked.duration_s = document["duration_s"]
        locked.integrated_lufs = document["integrated_lufs"]
        locked.true_peak_dbtp = document["true_peak_dbtp"]
        locked.loudness_range_lu = document["loudness_range_lu"]
        locked.energy = document["energy"]
        fields = ["analysis", "duration_s", "integrated_lufs", "true_peak_dbtp", "loudness_range_lu", "energy"]
        keeps_brief = locked.source == Track.Source.GENERATED and locked.bpm and locked.key and locked.mode
        if not keeps_brief:
            locked.bpm = document["bpm"] if document["bpm"] else None  # 0: no tempo found
            locked.key = document["key"]
            locked.mode = document["mode"]
            fields += ["bpm", "key", "mode"]
        locked.full_clean()
        locked.save(update_fields=[*fields, "updated_at"])
        for kind, filename, content, fmt in pictures:
            asset_store(track=locked, kind=kind, content=content, filename=filename, format=fmt)
    return locked
