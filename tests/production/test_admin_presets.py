"""Style presets in the cockpit: editors tune the seven styles; the engine refuses bad overrides clearly."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from operations.models import AuditEvent
from production.engine.fx import fx_settings_for
from production.engine.styles import PRESETS, preset_for
from production.models import StylePreset

pytestmark = pytest.mark.django_db


def _post(client, preset: StylePreset, *, composition="{}", fx="{}", notes=""):
    return client.post(
        reverse("admin:production_stylepreset_change", args=[preset.pk]),
        {"composition_overrides": composition, "fx_overrides": fx, "notes": notes},
    )


def _field_errors(response, field: str) -> str:
    assert response.status_code == 200, "the form should come back with errors, not be saved"
    return " ".join(response.context["adminform"].form.errors.get(field, []))


def test_every_engine_style_has_a_preset_row_to_tune(client, editor):
    client.force_login(editor)

    response = client.get(reverse("admin:production_stylepreset_changelist"))

    assert response.status_code == 200
    assert set(StylePreset.objects.values_list("style", flat=True)) == set(PRESETS)
    assert len(PRESETS) == 7


def test_valid_overrides_are_saved_and_audited(client, editor):
    preset = StylePreset.objects.get(style="jazz")
    client.force_login(editor)

    response = _post(
        client,
        preset,
        composition=json.dumps({"swing": 0.66, "melody_density": 0.4}),
        fx=json.dumps({"wow_depth_ms": 2.0, "part_gain_db": {"melody": -2}}),
        notes="more swing",
    )

    assert response.status_code == 302
    preset.refresh_from_db()
    assert preset.composition_overrides == {"swing": 0.66, "melody_density": 0.4}
    # What the engine builds from the saved row really carries the change.
    assert preset_for("jazz", preset.composition_overrides).swing == 0.66
    assert fx_settings_for("jazz", preset.fx_overrides).part_gain_db["melody"] == -2
    event = AuditEvent.objects.get(verb="render.preset_changed")
    assert event.actor == editor and event.object_id == str(preset.pk)


def test_an_out_of_range_composition_value_is_refused_with_the_engines_reason(client, editor):
    preset = StylePreset.objects.get(style="cafe")
    client.force_login(editor)

    response = _post(client, preset, composition=json.dumps({"swing": 0.95}))

    errors = _field_errors(response, "composition_overrides")
    assert "swing must be within 0.5-0.75" in errors
    preset.refresh_from_db()
    assert preset.composition_overrides == {}


def test_an_unknown_composition_key_and_a_wrongly_typed_fx_value_are_both_reported(client, editor):
    preset = StylePreset.objects.get(style="study")
    client.force_login(editor)

    response = _post(client, preset, composition=json.dumps({"swagger": 1}), fx=json.dumps({"wow_depth_ms": "lots"}))

    assert "unknown style override keys ['swagger']" in _field_errors(response, "composition_overrides")
    assert "wow_depth_ms" in _field_errors(response, "fx_overrides")
    preset.refresh_from_db()
    assert preset.fx_overrides == {}


def test_overrides_must_be_a_json_object(client, editor):
    preset = StylePreset.objects.get(style="ambient")
    client.force_login(editor)

    response = _post(client, preset, fx=json.dumps([1, 2]))

    assert "must be a JSON object" in _field_errors(response, "fx_overrides")


def test_the_change_page_shows_the_engine_defaults_to_start_from(client, editor):
    preset = StylePreset.objects.get(style="boom_bap")
    client.force_login(editor)

    body = client.get(reverse("admin:production_stylepreset_change", args=[preset.pk])).content.decode()

    assert "Engine composition defaults" in body and "Engine FX defaults" in body
    assert "&quot;drums_bitcrush_bits&quot;: 12.0" in body  # boom bap's sampler crunch


def test_a_va_can_read_presets_but_not_change_them(client, va):
    preset = StylePreset.objects.get(style="jazz")
    client.force_login(va)

    assert client.get(reverse("admin:production_stylepreset_change", args=[preset.pk])).status_code == 200
    response = _post(client, preset, composition=json.dumps({"swing": 0.7}))

    assert response.status_code == 403
    preset.refresh_from_db()
    assert preset.composition_overrides == {}


@pytest.mark.django_db(transaction=True)
def test_preset_rows_come_back_after_a_flush():
    from django.core.management import call_command

    call_command("flush", verbosity=0, interactive=False)

    assert set(StylePreset.objects.values_list("style", flat=True)) == set(PRESETS)
