"""Cockpit forms: accept identifiers as people type them; the model validators explain what is wrong."""

from __future__ import annotations

from django import forms
from stdnum import ean, isrc

from catalog.models import Release, Track


class TrackAdminForm(forms.ModelForm):
    # Wider than the stored 12 characters: "QZ-LF1-26-00001" is how ISRCs are printed and pasted.
    isrc = forms.CharField(
        label="ISRC",
        max_length=20,
        required=False,
        empty_value=None,
        help_text="Like QZ-LF1-26-00001. Leave it empty and use the “Assign ISRCs” "
        "action to get the label's next code.",
    )

    class Meta:
        model = Track
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown

    def clean_isrc(self) -> str | None:
        value = self.cleaned_data["isrc"]
        # Compact only; validate_isrc on the model field then says what is wrong with the code.
        return isrc.compact(value) if value else None


class ReleaseAdminForm(forms.ModelForm):
    upc = forms.CharField(
        label="UPC/EAN",
        max_length=20,
        required=False,
        empty_value=None,
        help_text="12-digit UPC or 13-digit EAN; spaces and hyphens are ignored.",
    )

    class Meta:
        model = Release
        fields = "__all__"  # noqa: DJ007 - the admin's fields list chooses what is shown

    def clean_upc(self) -> str | None:
        value = self.cleaned_data["upc"]
        return ean.compact(value) if value else None
