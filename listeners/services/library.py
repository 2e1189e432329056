"""A listener's library: favourites, playlists, follows, and the preview plays that teach the recommender."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import Artist, Release, Track
from listeners.models import Favourite, Follow, Listener, Playlist, PlaylistItem, PreviewPlay
from monetization.models import SamplePack

PLAYLIST_MAX_TRACKS = 500
PLAYLISTS_MAX = 200
REPLAY_WINDOW = timedelta(seconds=30)  # a second play of the same preview this soon is the same listen


class PlaylistError(ValidationError):
    pass


@transaction.atomic
def favourite_toggle(
    *, listener: Listener, track: Track | None = None, release: Release | None = None, pack: SamplePack | None = None
) -> bool:
    """Save or unsave one track, release or pack; returns whether it is a favourite now."""
    if sum(x is not None for x in (track, release, pack)) != 1:
        raise ValidationError("Choose exactly one track, release or pack.")
    target: dict[str, Track | Release | SamplePack | None] = (
        {"track": track} if track else {"release": release} if release else {"pack": pack}
    )
    deleted, _ = Favourite.objects.filter(listener=listener, **target).delete()
    if deleted:
        return False
    Favourite.objects.create(listener=listener, **target)
    return True


@transaction.atomic
def follow_toggle(*, listener: Listener, artist: Artist) -> bool:
    """Follow or unfollow an artist persona; returns whether the listener follows them now."""
    deleted, _ = Follow.objects.filter(listener=listener, artist=artist).delete()
    if deleted:
        return False
    Follow.objects.create(listener=listener, artist=artist)
    return True


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise PlaylistError("Give the playlist a name.")
    return title[:100]


@transaction.atomic
def playlist_create(*, listener: Listener, title: str, visibility: str = Playlist.Visibility.PRIVATE) -> Playlist:
    if Playlist.objects.filter(listener=listener).count() >= PLAYLISTS_MAX:
        raise PlaylistError(f"You have {PLAYLISTS_MAX} playlists, the most one account can keep.")
    playlist = Playlist(listener=listener, title=_clean_title(title), visibility=visibility)
    playlist.full_clean()
    playlist.save()
    return playlist


@transaction.atomic
def playlist_update(*, playlist: Playlist, title: str, description: str, visibility: str) -> Playlist:
    playlist.title = _clean_title(title)
    playlist.description = " ".join(description.split())[:300]
    playlist.visibility = visibility
    playlist.full_clean()
    playlist.save(update_fields=["title", "description", "visibility", "updated_at"])
    return playlist


def playlist_delete(*, playlist: Playlist) -> None:
    playlist.delete()


@transaction.atomic
def playlist_add_track(*, playlist: Playlist, track: Track) -> bool:
    """Append a track; False (and nothing changes) when it is already in the playlist."""
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    if playlist.items.filter(track=track).exists():
        return False
    if playlist.items.count() >= PLAYLIST_MAX_TRACKS:
        raise PlaylistError(f"A playlist holds at most {PLAYLIST_MAX_TRACKS} tracks.")
    last = playlist.items.aggregate(last=Max("position"))["last"] or 0
    PlaylistItem.objects.create(playlist=playlist, track=track, position=last + 1)
    playlist.save(update_fields=["updated_at"])
    return True


@transaction.atomic
def playlist_remove_track(*, playlist: Playlist, track: Track) -> None:
    playlist.items.filter(track=track).delete()
    _renumber(playlist, list(playlist.items.order_by("position", "id")))


@transaction.atomic
def playlist_move(*, playlist: Playlist, track: Track, to_position: int) -> None:
    """Move a track to a 1-based position (clamped to the playlist), the others keep their order."""
    playlist = Playlist.objects.select_for_update().get(pk=playlist.pk)
    items = list(playlist.items.order_by("position", "id"))
    moving = next((i for i in items if i.track_id == track.pk), None)
    if moving is None:
        raise PlaylistError("That track is not in this playlist.")
    items.remove(moving)
    items.insert(min(max(to_position, 1), len(items) + 1) - 1, moving)
    _renumber(playlist, items)


def _renumber(playlist: Playlist, items: list[PlaylistItem]) -> None:
    changed = []
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    PlaylistItem.objects.bulk_update(changed, ["position"])
    playlist.save(update_fields=["updated_at"])


def preview_play_record(*, track: Track, visitor_hash: str, listener: Listener | None) -> bool:
    """Log one preview play; a replay by the same visitor within REPLAY_WINDOW is the same listen (False)."""
    recent = PreviewPlay.objects.filter(
        track=track, visitor_hash=visitor_hash, created_at__gte=timezone.now() - REPLAY_WINDOW
    )
    if recent.exists():
        return False
    PreviewPlay.objects.create(track=track, visitor_hash=visitor_hash, listener=listener)
    return True
