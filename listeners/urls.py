"""Listeners' public pages: sign-in, My library, playlists and their share links, artists, mixes, events."""

app_name = "listeners"

urlpatterns: list = []
