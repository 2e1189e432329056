"""Listeners' forms."""

from __future__ import annotations

from django import forms

from listeners.models import Playlist


class SignInForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=60, required=False)
    is_public = forms.BooleanField(label="Show my profile and public playlists to others", required=False)
    release_alerts = forms.BooleanField(label="E-mail me when an artist I follow releases something", required=False)


class PlaylistForm(forms.Form):
    title = forms.CharField(label="Name", max_length=100)
    description = forms.CharField(label="Description", max_length=300, required=False)
    visibility = forms.ChoiceField(label="Who can see it", choices=Playlist.Visibility.choices)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Your rating", choices=[(n, f"{n} star{'s' if n > 1 else ''}") for n in range(1, 6)], coerce=int
    )
    text = forms.CharField(label="A few words (optional)", max_length=500, required=False, widget=forms.Textarea)


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, delete my account and my library for good")
