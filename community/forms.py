"""Public forms: a track request and a newsletter sign-up. Both carry a honeypot field people never see."""

from __future__ import annotations

from django import forms

from community.models import TrackRequest

HONEYPOT_FIELD = "website"


class HoneypotMixin(forms.Form):
    # Hidden from people by CSS and from screen readers by aria-hidden; form-filling bots fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class TrackRequestForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = TrackRequest
        fields = ["mood", "activity", "tempo_feel", "note", "email"]
        labels = {
            "tempo_feel": "Tempo",
            "note": "Anything else? (optional)",
            "email": "E-mail (optional: we write once when it is out)",
        }
        # The model's help texts speak to the cockpit ("what the listener wrote"); the public form speaks to the
        # listener, and the privacy note under the form already says what happens to the note and the address.
        help_texts = {
            "note": "E.g. rain sounds, no drums, for late-night reading. Up to 500 characters.",
            "email": "",
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 3, "maxlength": 500})}


class NewsletterForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(label="Your e-mail address")
