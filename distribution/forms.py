"""Cockpit forms of distribution: they validate input and say what is wrong; services do the writes."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from catalog.forms import ReleaseAdminForm
from distribution.models import Platform, PlatformAccount, Publication, ReleaseMedia, ReleaseMetadata, ReleasePlan
from distribution.services.release_media import release_artwork_upload_check


def _check_upload(value, kind: str):
    """Validate a newly uploaded image against the platform rules; an unchanged file passes."""
    if isinstance(value, UploadedFile):
        value.seek(0)
        release_artwork_upload_check(value.read(), kind=kind)
        value.seek(0)
    return value


class ReleaseCockpitForm(ReleaseAdminForm):
    """The catalogue's release form plus where and when it goes out (kept in the distribution plan)."""

    platforms = forms.ModelMultipleChoiceField(
        queryset=PlatformAccount.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The accounts this release is published to.",
    )
    publish_at = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        label="Goes public at",
        help_text="Empty: the release date at the default hour.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            plan = ReleasePlan.objects.filter(release=self.instance).prefetch_related("accounts").first()
            if plan is not None:
                if "platforms" in self.fields:
                    self.fields["platforms"].initial = list(plan.accounts.all())
                if "publish_at" in self.fields:
                    self.fields["publish_at"].initial = plan.publish_at

    def clean_artwork(self):
        return _check_upload(self.cleaned_data.get("artwork"), "cover")


class ReleaseMetadataForm(forms.ModelForm):
    """Tags are typed as one comma-separated line and stored as a list."""

    tags = forms.CharField(
        label="Tags",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 100}),
        help_text="Separated by commas, most important first.",
    )

    class Meta:
        model = ReleaseMetadata
        fields = ["title", "description", "tags"]
        widgets = {"description": forms.Textarea(attrs={"rows": 18, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tags" in self.fields:
            self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("tags") or "").split(",") if t.strip()]


class ReleaseMediaForm(forms.ModelForm):
    class Meta:
        model = ReleaseMedia
        fields = ["thumbnail_a", "thumbnail_b", "thumbnail_choice"]

    def clean_thumbnail_a(self):
        return _check_upload(self.cleaned_data.get("thumbnail_a"), "thumbnail")

    def clean_thumbnail_b(self):
        return _check_upload(self.cleaned_data.get("thumbnail_b"), "thumbnail")


class PublicationUrlForm(forms.ModelForm):
    """What a VA may change on a publication: the URL of a manual upload."""

    external_url = forms.URLField(label="Published URL", max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Publication
        fields = []  # the declared field only; the service writes it (no URLField built from the model)

    def clean_external_url(self):
        url = (self.cleaned_data.get("external_url") or "").strip()
        if not url:
            raise ValidationError("Paste the address of the release on the platform.")
        if not url.startswith("https://"):
            raise ValidationError("Paste the full https:// address of the release on the platform.")
        return url


DPID_RE = r"^PADPIDA[0-9A-Z]{11}$"
# The settings each platform reads from PlatformAccount.config (see distribution.services).
CONFIG_KEYS = {
    "ddex_distributor": ("recipient_dpid", "sender_dpid"),
    "youtube": ("oauth_auth_uri", "oauth_token_uri"),
    "soundcloud": ("api_base", "authorize_url", "token_url"),
}
ALL_CONFIG_KEYS = tuple(key for keys in CONFIG_KEYS.values() for key in keys)


class PlatformAccountForm(forms.ModelForm):
    """Account settings, and its secrets as write-only fields: stored encrypted, never shown again."""

    client_id = forms.CharField(
        required=False,
        label="Client id",
        help_text="YouTube: the OAuth client id of the Google Cloud project (desktop app). "
        "SoundCloud: the client id of the app registered at soundcloud.com/you/apps. Changing it disconnects "
        "the account. Leave empty to keep the stored one.",
    )
    client_secret = forms.CharField(
        required=False,
        label="Client secret",
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown again. Leave empty to keep the stored one.",
    )

    # The non-secret settings, as fields per platform (stored in `config`; never edited as JSON).
    recipient_dpid = forms.RegexField(
        regex=DPID_RE,
        required=False,
        label="Distributor's DPID",
        help_text="DDEX Party ID of the distributor receiving the packages, e.g. PADPIDA2014120301U.",
        error_messages={"invalid": "A DPID is PADPIDA followed by 11 letters or digits."},
    )
    sender_dpid = forms.RegexField(
        regex=DPID_RE,
        required=False,
        label="Label's DPID for this distributor",
        help_text="Empty: the label's own DPID (DDEX_SENDER_DPID).",
        error_messages={"invalid": "A DPID is PADPIDA followed by 11 letters or digits."},
    )
    oauth_auth_uri = forms.URLField(
        required=False, assume_scheme="https", label="Google sign-in address", help_text="Empty: Google's."
    )
    oauth_token_uri = forms.URLField(
        required=False, assume_scheme="https", label="Google token address", help_text="Empty: Google's."
    )
    api_base = forms.URLField(
        required=False, assume_scheme="https", label="SoundCloud API address", help_text="Empty: SoundCloud's."
    )
    authorize_url = forms.URLField(
        required=False, assume_scheme="https", label="SoundCloud sign-in address", help_text="Empty: SoundCloud's."
    )
    token_url = forms.URLField(
        required=False, assume_scheme="https", label="SoundCloud token address", help_text="Empty: SoundCloud's."
    )

    class Meta:
        model = PlatformAccount
        fields = ["platform", "name", "is_active", "daily_quota_units"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in ALL_CONFIG_KEYS:
            self.fields[key].initial = (self.instance.config or {}).get(key, "")

    def clean(self):
        cleaned = super().clean()
        platform = cleaned.get("platform") or self.instance.platform
        if platform == Platform.DDEX_DISTRIBUTOR and not cleaned.get("recipient_dpid"):
            self.add_error("recipient_dpid", "A DDEX distributor needs its DPID: packages are addressed to it.")
        # Keys of other platforms are dropped; settings nobody typed fall back to the platform's defaults.
        keep = {k: v for k, v in (self.instance.config or {}).items() if k not in ALL_CONFIG_KEYS}
        keep.update({k: cleaned[k] for k in CONFIG_KEYS.get(platform, ()) if cleaned.get(k)})
        self.instance.config = keep
        return cleaned


class OAuthCodeForm(forms.Form):
    code = forms.CharField(
        label="Code or address",
        widget=forms.TextInput(attrs={"size": 100}),
        help_text="If the browser did not come back here by itself, paste the code the platform showed, or the "
        "whole address of the page it sent you to.",
    )
