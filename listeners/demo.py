"""Demo seed step of listeners (lofi_site/demo.py): one clearly marked demo listener with a public profile and a
public playlist of the demo catalogue, so the profile, share-link and playlist pages have something to show on
`make run`. Demo accounts never feed what real visitors are told: popularity and the learned model skip them."""

from __future__ import annotations

from django.urls import reverse

from listeners import selectors, services
from listeners.models import Listener, Playlist
from lofi_site.demo import Out, demo_step

DEMO_EMAIL = "demo-listener@example.invalid"  # .invalid never receives mail (RFC 2606): nobody signs in as it


@demo_step(order=95)
def demo_listener(out: Out) -> None:
    tracks = list(selectors.storefront_pool().order_by("created_at")[:4])
    if not tracks:
        out("  no licensable tracks yet: no demo listener")
        return
    listener = Listener.objects.filter(email=DEMO_EMAIL).first()
    if listener is None:
        listener = services.listener_sign_in(email=DEMO_EMAIL)
        Listener.objects.filter(pk=listener.pk).update(is_demo=True)
        services.listener_profile_update(
            listener=listener, display_name="Demo listener", is_public=True, release_alerts=False
        )
    playlist = Playlist.objects.filter(listener=listener).first()
    if playlist is None:
        playlist = services.playlist_create(
            listener=listener, title="Demo playlist: first tracks", visibility=Playlist.Visibility.PUBLIC
        )
        for track in tracks:
            services.playlist_add_track(playlist=playlist, track=track)
    out(
        f"  demo listener (marked as demo, not counted in recommendations): "
        f"{reverse('listeners:profile', args=[listener.uuid])}, playlist "
        f"{reverse('listeners:playlist_shared', args=[playlist.share_token])}"
    )
