"""What production services write to the audit trail (operations.audit_verbs explains the registry)."""

from __future__ import annotations

from django.db import models

from operations.audit_verbs import audit_verbs


@audit_verbs
class ProductionVerb(models.TextChoices):
    RENDER_BATCH_CREATED = "render.batch_created", "Render batch queued"
    RENDER_JOB_RETRIED = "render.job_retried", "Render job retried"
    RENDER_TRACK_CREATED = "render.track_created", "Render made a draft track"
    RENDER_REUSED = "render.reused", "Render reused an identical earlier one"
    RENDER_PRESET_CHANGED = "render.preset_changed", "Style preset overrides saved"
    TRACK_UPLOADED = "track.uploaded", "Track imported from a file"
    TRACK_DUPLICATE_CHECKED = "track.duplicate_checked", "Track checked for duplicates"
    TRACK_MOOD_ACCEPTED = "track.mood_accepted", "Mood suggestion accepted"
    TRACK_MOOD_REMOVED = "track.mood_removed", "Mood taken off (suggestion rejected)"
    MOOD_MODEL_TRAINED = "mood_model.trained", "Mood tagger trained"
    RELEASE_MIX_SEQUENCED = "release.mix_sequenced", "Mix sequenced"
    RELEASE_MIX_RENDERED = "release.mix_rendered", "Mix master rendered"
