"""Cockpit forms: one brief, a batch grid, and a style preset's overrides."""

from __future__ import annotations

import secrets

from django import forms
from django.core.exceptions import ValidationError

from production import services
from production.engine.brief import MOODS, PARTS, Key
from production.models import BPM_MAX, BPM_MIN, SEED_MAX, Batch, RenderJob, StylePreset, engine_style_slugs


def _style_choices() -> list[tuple[str, str]]:
    return [(slug, slug.replace("_", " ").title()) for slug in engine_style_slugs()]


def _random_seed() -> int:
    return secrets.randbelow(1_000_000)


def _layers_from_off(parts_off: list[str]) -> dict[str, bool]:
    """The brief stores only the parts switched off; a part left out plays."""
    return {part: False for part in parts_off}


class _LayersOffField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[(p, p) for p in PARTS],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Parts to leave out",
            help_text="Ticked parts are not played. Leave all unticked for the style's full arrangement.",
            **kwargs,
        )


class RenderJobForm(forms.ModelForm):
    """One brief. The seed starts random; note it down (or keep the job) to render the same track again."""

    style = forms.ChoiceField(choices=_style_choices)
    seed = forms.IntegerField(
        min_value=0, max_value=SEED_MAX, initial=_random_seed, help_text="Same brief and seed give the same audio."
    )
    layers_off = _LayersOffField()

    class Meta:
        model = RenderJob
        fields = [
            "title",
            "artist",
            "style",
            "bpm",
            "key",
            "duration_s",
            "seed",
            "mood",
            "ambience",
            "target_lufs",
            "true_peak_ceiling_db",
        ]

    def clean_key(self) -> str:
        try:
            return str(Key.parse(self.cleaned_data["key"]))
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def _post_clean(self) -> None:
        self.instance.layers = _layers_from_off(self.cleaned_data.get("layers_off") or [])
        super()._post_clean()
        if not self.errors:
            try:
                self.instance.brief()
            except ValueError as error:
                self.add_error(None, f"The engine refused this brief: {error}")


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.replace(";", ",").split(",") if item.strip()]


class BatchForm(forms.ModelForm):
    """A grid (every combination, N per cell) or k variations of one brief, as comma-separated lists."""

    styles = forms.MultipleChoiceField(choices=_style_choices, widget=forms.CheckboxSelectMultiple)
    bpms = forms.CharField(label="BPMs", help_text=f"Comma-separated, e.g. 72, 82, 90 ({BPM_MIN}-{BPM_MAX}).")
    keys = forms.CharField(help_text="Comma-separated, e.g. A minor, C major, F# minor.")
    moods = forms.CharField(initial="chill", help_text=f"Comma-separated, from: {', '.join(MOODS)}.")
    per_cell = forms.IntegerField(
        min_value=1,
        max_value=50,
        initial=1,
        label="Count",
        help_text="Grid: tracks per combination. Variations: how many variations.",
    )
    seed_base = forms.IntegerField(
        min_value=0, max_value=SEED_MAX, initial=_random_seed, help_text="Job n of the batch gets seed base + n."
    )
    layers_off = _LayersOffField()

    class Meta:
        model = Batch
        fields = [
            "name",
            "kind",
            "styles",
            "bpms",
            "keys",
            "moods",
            "per_cell",
            "duration_s",
            "seed_base",
            "ambience",
            "artist",
        ]
        labels = {"duration_s": "Duration (s)"}
        help_texts = {"duration_s": "Length of every track in the batch, in seconds."}

    def clean_bpms(self) -> list[float]:
        values = []
        for item in _split(self.cleaned_data["bpms"]):
            try:
                bpm = float(item)
            except ValueError:
                raise ValidationError(f"{item!r} is not a number.") from None
            if not BPM_MIN <= bpm <= BPM_MAX:
                raise ValidationError(f"{item} BPM is outside {BPM_MIN}-{BPM_MAX}.")
            values.append(bpm)
        if not values:
            raise ValidationError("Give at least one BPM.")
        return values

    def clean_keys(self) -> list[str]:
        values = []
        for item in _split(self.cleaned_data["keys"]):
            try:
                values.append(str(Key.parse(item)))
            except ValueError as error:
                raise ValidationError(str(error)) from error
        if not values:
            raise ValidationError("Give at least one key.")
        return values

    def clean_moods(self) -> list[str]:
        values = [m.lower().replace(" ", "-") for m in _split(self.cleaned_data["moods"])]
        if not values:
            raise ValidationError("Give at least one mood.")
        return values

    def _post_clean(self) -> None:
        self.instance.layers = _layers_from_off(self.cleaned_data.get("layers_off") or [])
        super()._post_clean()
        if self.errors:
            return
        try:
            count = len(services.batch_briefs(self.instance))
        except ValidationError as error:
            self.add_error(None, error)
            return
        if count > services.BATCH_MAX_JOBS:
            self.add_error(None, f"This batch would create {count} jobs; the limit is {services.BATCH_MAX_JOBS}.")
        elif self.instance.seed_base + count - 1 > SEED_MAX:
            self.add_error("seed_base", f"Seeds would pass {SEED_MAX}; choose a lower seed base.")

    def service_arguments(self) -> dict:
        """What `services.batch_create` takes, from a valid form."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "styles": data["styles"],
            "bpms": data["bpms"],
            "keys": data["keys"],
            "moods": data["moods"],
            "per_cell": data["per_cell"],
            "duration_s": data["duration_s"],
            "seed_base": data["seed_base"],
            "ambience": data["ambience"],
            "layers": _layers_from_off(data.get("layers_off") or []),
            "artist": data.get("artist"),
        }


class StylePresetForm(forms.ModelForm):
    """Overrides are JSON objects; the model's clean asks the engine whether it accepts them."""

    style = forms.ChoiceField(choices=_style_choices)

    class Meta:
        model = StylePreset
        fields = ["style", "composition_overrides", "fx_overrides", "notes"]
