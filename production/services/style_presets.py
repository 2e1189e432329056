"""Style presets: an editor's overrides of one engine style's composition and effects settings."""

from __future__ import annotations

from django.db import transaction

from lofi_site.actors import Actor
from operations.services import audit_log
from production.audit_verbs import ProductionVerb
from production.models import StylePreset


def style_preset_overrides(style: str) -> tuple[dict, dict]:
    """(composition overrides, fx overrides) the editors set for a style: what every render of it uses."""
    preset = StylePreset.objects.filter(style=style).first()
    if preset is None:
        return {}, {}
    return dict(preset.composition_overrides), dict(preset.fx_overrides)


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


def style_presets_ensure(apps=None) -> int:
    """One preset row per engine style, so editors always have a row to tune. Standing data: runs after every
    migrate and flush (lofi_site/standing_data.py, which passes the app registry), adding rows for new styles
    and never touching existing ones. Returns how many rows it created."""
    from production.engine.styles import PRESETS

    model = apps.get_model("production", "StylePreset") if apps is not None else StylePreset
    existing = set(model.objects.values_list("style", flat=True))
    model.objects.bulk_create([model(style=style) for style in PRESETS if style not in existing])
    return len(set(PRESETS) - existing)
