"""Every production write, one module per capability; the names are re-exported here so
`from production import services` keeps working.

- `render_jobs`: one brief rendered by the engine into a catalogue track (create, retry, run; demo renders)
- `render_cache`: an identical render request reuses the earlier render's track (unless forced)
- `batches`: a grid of briefs, or variations of one, expanded into render jobs
- `style_presets`: editors' overrides of an engine style
- `ingest`: outside audio files (upload, API, `import_audio`) into draft tracks
- `analysis`: tempo, key, loudness and pictures of a track (librosa via production.engine.analysis)
- `fingerprints`: the fingerprint index, catalogue look-ups and duplicate verdicts
- `mixes`: long-mix releases sequenced and rendered into one master
- `moods`: the mood tagger trained on editors' tags, and its suggestions
- `track_audio`: which stored file holds a track's audio, as a local path for the engines
"""

from production.services.analysis import (
    PICTURE_KINDS,
    analysis_document,
    json_safe,
    track_analyze,
)
from production.services.batches import (
    BATCH_MAX_JOBS,
    batch_briefs,
    batch_create,
)
from production.services.fingerprints import (
    INSERT_BATCH,
    QUERY_CHUNK,
    VERDICTS,
    catalogue_matches,
    catalogue_rows,
    duplicate_reason,
    fingerprint_store,
    identify,
    release_duplicate_blockers,
    track_duplicate_check,
    track_fingerprint,
    track_hashes,
)
from production.services.ingest import (
    ANALYZE_TASK,
    DEFAULT_ARTIST_NAME,
    DEFAULT_MAX_DURATION_S,
    DEFAULT_MIN_DURATION_S,
    FINGERPRINT_TASK,
    IngestResult,
    files_ingest,
    ingest_duration_limits,
    track_ingest,
    track_intelligence_enqueue,
    uploads_ingest,
)
from production.services.mixes import (
    AMBIENCE_GAIN_DB,
    AMBIENCE_LOOP_S,
    AMBIENCE_SEED,
    DEFAULT_CROSSFADE_S,
    MIX_RENDER_TASK,
    MIX_SAMPLE_RATE,
    mix_pool_from_catalogue,
    mix_render_create,
    mix_render_retry,
    mix_render_run,
    mix_tracklist_text,
    release_apply_mix_sequence,
)
from production.services.moods import (
    MODEL_FOLDER,
    MOOD_MODEL_TASK,
    SUGGEST_MAX_PER_TRACK,
    SUGGEST_MIN_PROBABILITY,
    TrainingSet,
    mood_model_current,
    mood_model_load,
    mood_model_train,
    mood_model_train_enqueue,
    mood_suggestion_accept,
    mood_suggestion_reject,
    mood_suggestions_refresh,
    mood_training_refusal,
    mood_training_set,
    track_mood_features,
    track_moods_suggest,
)
from production.services.render_cache import (
    render_cached_track,
    render_job_key,
    render_job_reuse,
)
from production.services.render_heartbeat import render_jobs_requeue_stalled, stalled_jobs
from production.services.render_jobs import (
    DEMO_BRIEFS,
    DEMO_DURATION_S,
    RENDER_TASK,
    demo_tracks_render,
    render_job_create,
    render_job_retry,
    render_job_run,
)
from production.services.style_presets import (
    style_preset_save,
)

__all__ = [
    "AMBIENCE_GAIN_DB",
    "AMBIENCE_LOOP_S",
    "AMBIENCE_SEED",
    "ANALYZE_TASK",
    "BATCH_MAX_JOBS",
    "DEFAULT_ARTIST_NAME",
    "DEFAULT_CROSSFADE_S",
    "DEFAULT_MAX_DURATION_S",
    "DEFAULT_MIN_DURATION_S",
    "DEMO_BRIEFS",
    "DEMO_DURATION_S",
    "FINGERPRINT_TASK",
    "INSERT_BATCH",
    "MIX_RENDER_TASK",
    "MIX_SAMPLE_RATE",
    "MODEL_FOLDER",
    "MOOD_MODEL_TASK",
    "PICTURE_KINDS",
    "QUERY_CHUNK",
    "RENDER_TASK",
    "SUGGEST_MAX_PER_TRACK",
    "SUGGEST_MIN_PROBABILITY",
    "VERDICTS",
    "IngestResult",
    "TrainingSet",
    "analysis_document",
    "batch_briefs",
    "batch_create",
    "catalogue_matches",
    "catalogue_rows",
    "demo_tracks_render",
    "duplicate_reason",
    "files_ingest",
    "fingerprint_store",
    "identify",
    "ingest_duration_limits",
    "json_safe",
    "mix_pool_from_catalogue",
    "mix_render_create",
    "mix_render_retry",
    "mix_render_run",
    "mix_tracklist_text",
    "mood_model_current",
    "mood_model_load",
    "mood_model_train",
    "mood_model_train_enqueue",
    "mood_suggestion_accept",
    "mood_suggestion_reject",
    "mood_suggestions_refresh",
    "mood_training_refusal",
    "mood_training_set",
    "release_apply_mix_sequence",
    "release_duplicate_blockers",
    "render_cached_track",
    "render_job_create",
    "render_job_key",
    "render_job_retry",
    "render_job_reuse",
    "render_job_run",
    "render_jobs_requeue_stalled",
    "stalled_jobs",
    "style_preset_save",
    "track_analyze",
    "track_duplicate_check",
    "track_fingerprint",
    "track_hashes",
    "track_ingest",
    "track_intelligence_enqueue",
    "track_mood_features",
    "track_moods_suggest",
    "uploads_ingest",
]
