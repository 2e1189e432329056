"""Playlists: create, add to, reorder, share. The owner manages a playlist at /playlists/<uuid>/; everyone
else sees it through its share link /p/<token>/, and a private one only its owner."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from listeners import selectors, services, session
from listeners.forms import PlaylistForm
from listeners.views import safe_next, signed_in, track_by_uuid
from monetization import selectors as shop_selectors


def _own(listener, uuid):
    playlist = selectors.playlist_for_owner(listener, uuid)
    if playlist is None:
        raise Http404("No such playlist in your library.")
    return playlist


@require_POST
@signed_in
def playlist_create(request, listener):
    form = PlaylistForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the playlist a name and choose who can see it.")
        return redirect(safe_next(request, reverse("listeners:library")))
    try:
        playlist = services.playlist_create(
            listener=listener, title=form.cleaned_data["title"], visibility=form.cleaned_data["visibility"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(safe_next(request, reverse("listeners:library")))
    track = track_by_uuid(request.POST.get("track", ""))
    if track is not None:
        services.playlist_add_track(playlist=playlist, track=track)
        messages.success(request, f"Playlist “{playlist.title}” created with {track.title}.")
        return redirect(safe_next(request, reverse("listeners:playlist", args=[playlist.uuid])))
    messages.success(request, f"Playlist “{playlist.title}” created.")
    return redirect("listeners:playlist", uuid=playlist.uuid)


@require_POST
@signed_in
def playlist_add(request, listener):
    playlist = _own(listener, request.POST.get("playlist") or "00000000-0000-0000-0000-000000000000")
    track = track_by_uuid(request.POST.get("track", ""))
    if track is None:
        raise Http404("That track is not available.")
    try:
        added = services.playlist_add_track(playlist=playlist, track=track)
        text = f"Added {track.title} to “{playlist.title}”." if added else f"{track.title} is already there."
        messages.success(request, text)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(safe_next(request, reverse("listeners:playlist", args=[playlist.uuid])))


@never_cache
@signed_in
def playlist_manage(request, listener, uuid):
    playlist = _own(listener, uuid)
    form = PlaylistForm(
        request.POST or None,
        initial={"title": playlist.title, "description": playlist.description, "visibility": playlist.visibility},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.playlist_update(playlist=playlist, **form.cleaned_data)
            messages.success(request, "Playlist saved.")
            return redirect("listeners:playlist", uuid=playlist.uuid)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
    share_url = request.build_absolute_uri(reverse("listeners:playlist_shared", args=[playlist.share_token]))
    return render(
        request,
        "listeners/playlist_manage.html",
        {
            "playlist": playlist,
            "items": list(selectors.playlist_items(playlist)),
            "form": form,
            "share_url": share_url,
        },
    )


@require_POST
@signed_in
def playlist_move(request, listener, uuid):
    playlist = _own(listener, uuid)
    track = track_by_uuid(request.POST.get("track", ""))
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = 0
    if track is None or position < 1:
        messages.error(request, "Choose a track and a position to move it to.")
    else:
        try:
            services.playlist_move(playlist=playlist, track=track, to_position=position)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("listeners:playlist", uuid=playlist.uuid)


@require_POST
@signed_in
def playlist_remove(request, listener, uuid):
    playlist = _own(listener, uuid)
    track = track_by_uuid(request.POST.get("track", ""))
    if track is not None:
        services.playlist_remove_track(playlist=playlist, track=track)
        messages.info(request, f"Removed {track.title}.")
    return redirect("listeners:playlist", uuid=playlist.uuid)


@require_POST
@signed_in
def playlist_delete(request, listener, uuid):
    playlist = _own(listener, uuid)
    services.playlist_delete(playlist=playlist)
    messages.info(request, f"Playlist “{playlist.title}” deleted.")
    return redirect("listeners:library")


@require_GET
def playlist_shared(request, token):
    viewer = session.current_listener(request)
    playlist = selectors.playlist_shared(token[:40], viewer)
    if playlist is None:
        raise Http404("This playlist is private or does not exist.")
    items = list(selectors.playlist_items(playlist))
    releases = shop_selectors.primary_releases([i.track_id for i in items[:20]])
    cover = next((r.artwork for r in releases.values() if r.artwork and r.status == "published"), None)
    return render(
        request,
        "listeners/playlist_shared.html",
        {
            "playlist": playlist,
            "items": items,
            "is_owner": viewer is not None and viewer.pk == playlist.listener_id,
            "cover": cover,
        },
    )
