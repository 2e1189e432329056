"""Style presets: an editor's overrides of one engine style's composition and effects settings."""

from __future__ import annotations

from django.db import transaction

from lofi_site.actors import Actor
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.models import StylePreset


@transaction.atomic
def style_preset_save(*, preset: StylePreset, actor: Actor = None) -> StylePreset:
    """Save an editor's overrides after the engine has accepted them (see StylePreset.clean)."""
    preset.full_clean()
    before = StylePreset.objects.filter(pk=preset.pk).values("composition_overrides", "fx_overrides").first()
    after = {"composition_overrides": preset.composition_overrides, "fx_overrides": preset.fx_overrides}
    changed = before != after
    preset.save()
    if changed:
        audit_log(
            actor=actor,
            verb=ProductionVerb.RENDER_PRESET_CHANGED,
            obj=preset,
            summary=f"{preset.style} preset overrides saved",
            changes={field: [before.get(field) if before else None, value] for field, value in after.items()},
        )
    return preset
