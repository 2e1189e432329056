"""Cockpit screen of style presets: an engine style's defaults and the editor's overrides."""

from __future__ import annotations

from django.contrib import admin

from production import services
from production.admin.display import pretty_json, settings_dict
from production.forms import StylePresetForm
from production.models import StylePreset


@admin.register(StylePreset)
class StylePresetAdmin(admin.ModelAdmin):
    """Editors tune a style here; the engine checks every override when the form is saved."""

    form = StylePresetForm
    list_display = ["style", "composition_summary", "fx_summary", "updated_at"]
    search_fields = ["style", "notes"]
    fields = ["style", "composition_overrides", "fx_overrides", "notes", "composition_defaults", "fx_defaults"]
    readonly_fields = ["composition_defaults", "fx_defaults"]

    def get_readonly_fields(self, request, obj=None):
        # The style a row tunes is fixed once created; change the overrides, not what they apply to.
        return [*self.readonly_fields, "style"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        services.style_preset_save(preset=obj, actor=request.user)

    @admin.display(description="Composition overrides")
    def composition_summary(self, obj: StylePreset):
        return ", ".join(sorted(obj.composition_overrides)) or "defaults"

    @admin.display(description="FX overrides")
    def fx_summary(self, obj: StylePreset):
        return ", ".join(sorted(obj.fx_overrides)) or "defaults"

    @admin.display(description="Engine composition defaults")
    def composition_defaults(self, obj: StylePreset):
        from production.engine.styles import preset_for

        if not obj.style:
            return "Choose a style and save to see its defaults."
        defaults = settings_dict(preset_for(obj.style))
        defaults.pop("name", None)
        return pretty_json(defaults)

    @admin.display(description="Engine FX defaults")
    def fx_defaults(self, obj: StylePreset):
        from production.engine.fx import fx_settings_for

        if not obj.style:
            return "Choose a style and save to see its defaults."
        return pretty_json(settings_dict(fx_settings_for(obj.style)))
