"""What listeners services write to the audit trail (operations.audit_verbs explains the registry)."""

from __future__ import annotations

from django.db import models

from operations.audit_verbs import audit_verbs


@audit_verbs
class ListenersVerb(models.TextChoices):
    EXPERIMENT_PROMOTED = "experiment.promoted", "A/B test winner promoted"
