"""Storefront and cockpit forms. Nothing here carries a price: the browser only names what it wants."""

from __future__ import annotations

import datetime as dt

from django import forms

from catalog.models import Mood, Style
from monetization.engine.money import CURRENCY_CHOICES
from monetization.models import LicenceTier, StatementImport
from monetization.selectors import DURATION_BUCKETS, KEY_CHOICES, SORTS, TrackSearch


class StorefrontForm(forms.Form):
    """Labels without Django's trailing colon: they read as plain questions on the storefront."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TrackSearchForm(StorefrontForm):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, artist, mood…"}),
    )
    mood = forms.ChoiceField(required=False, label="Mood")
    style = forms.ChoiceField(required=False, label="Style")
    bpm_min = forms.IntegerField(
        required=False,
        min_value=20,
        max_value=300,
        label="BPM from",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "60"}),
    )
    bpm_max = forms.IntegerField(
        required=False,
        min_value=20,
        max_value=300,
        label="BPM to",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "100"}),
    )
    key = forms.ChoiceField(required=False, label="Key", choices=[("", "Any key"), *KEY_CHOICES])
    duration = forms.ChoiceField(
        required=False,
        label="Length",
        choices=[("", "Any length"), *((k, v[0]) for k, v in DURATION_BUCKETS.items())],
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("new", "Newest"),
            ("bpm", "Slowest first"),
            ("-bpm", "Fastest first"),
            ("length", "Shortest first"),
            ("title", "Title A–Z"),
        ],
    )

    def __init__(self, *args, moods=None, styles=None, **kwargs):
        super().__init__(*args, **kwargs)
        moods = list(moods) if moods is not None else list(Mood.objects.all())
        styles = list(styles) if styles is not None else list(Style.objects.all())
        self.fields["mood"].choices = [("", "Any mood"), *((m.slug, m.name) for m in moods)]
        self.fields["style"].choices = [("", "Any style"), *((s.slug, s.name) for s in styles)]

    def search(self) -> TrackSearch:
        """The filters as a TrackSearch; invalid fields are dropped (a bad BPM must not empty the page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or "new"
        bpm_min, bpm_max = data.get("bpm_min"), data.get("bpm_max")
        if bpm_min is not None and bpm_max is not None and bpm_min > bpm_max:
            bpm_min, bpm_max = bpm_max, bpm_min  # "100 to 80" typed backwards still means 80 to 100
        return TrackSearch(
            q=(data.get("q") or "").strip(),
            mood=data.get("mood") or "",
            style=data.get("style") or "",
            bpm_min=bpm_min,
            bpm_max=bpm_max,
            key=data.get("key") or "",
            duration=data.get("duration") or "",
            sort=sort if sort in SORTS else "new",
        )

    @property
    def is_filtered(self) -> bool:
        search = self.search()
        return any([search.q, search.mood, search.style, search.bpm_min, search.bpm_max, search.key, search.duration])


class CheckoutForm(StorefrontForm):
    licensee_name = forms.CharField(
        max_length=200,
        label="Licence holder",
        help_text="Your name, or your company's if you buy for it. It is printed on the certificates.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="E-mail address",
        help_text="We send your certificates and download links here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    accept_terms = forms.BooleanField(
        label="I have read the licence terms of the items in my cart and accept them.",
        error_messages={"required": "Please confirm you accept the licence terms."},
    )


class MagicLinkForm(StorefrontForm):
    email = forms.EmailField(
        label="E-mail address you bought with", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ChannelForm(StorefrontForm):
    channel = forms.CharField(
        max_length=200,
        label="YouTube channel id or address",
        help_text="Starts with UC, e.g. UCxxxxxxxxxxxxxxxxxxxxxx, or paste https://www.youtube.com/channel/UC…",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class VerifyForm(StorefrontForm):
    code = forms.CharField(
        max_length=30,
        label="Licence code",
        widget=forms.TextInput(
            attrs={
                "placeholder": "LOFI-XXXX-XXXX",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )


class LicenceTierForm(forms.ModelForm):
    """The cockpit's tier form: the terms text is edited here and saved as a new version by the service."""

    terms_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        required=False,
        label="Terms text",
        help_text="Saving a changed text publishes a new terms version; licences "
        "already sold keep the version they were sold under.",
    )

    class Meta:
        model = LicenceTier
        fields = [
            "name",
            "slug",
            "scope",
            "summary",
            "permits",
            "excludes",
            "price_minor",
            "currency",
            "max_channels",
            "position",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            current = self.instance.terms_versions.order_by("-version").first()
            if current is not None:
                self.fields["terms_text"].initial = current.text
        else:
            self.fields["terms_text"].required = True


class StatementImportForm(forms.Form):
    source = forms.ChoiceField(choices=StatementImport.Source.choices)
    period = forms.DateField(
        label="Month covered",
        help_text="Any day of the month (YYYY-MM-DD); used for rows that carry no month of their own.",
        initial=lambda: dt.date.today().replace(day=1),
    )
    currency = forms.ChoiceField(
        choices=CURRENCY_CHOICES, initial="usd", help_text="Used when the report has no currency column."
    )
    file = forms.FileField(help_text="The report as CSV or tab-separated text, with an ISRC column.")
