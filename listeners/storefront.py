"""Listeners' parts of the storefront's pages (lofi_site/storefront_slots.py): the account link, favourite,
playlist and follow buttons, "More like this" on track pages, "For you" on the home page, ratings on release
pages, and the script that reports preview plays and cart adds."""

from __future__ import annotations

from django.template.loader import render_to_string

from catalog.models import Release
from listeners import selectors, services, session
from listeners.models import ExperimentEvent, Surface
from listeners.views_events import click_token
from lofi_site.storefront_slots import storefront_slot

MORE_LIKE_THIS_COUNT = 6
FOR_YOU_COUNT = 8


@storefront_slot("head")
def listener_script(request, context) -> str:
    return render_to_string("listeners/_head.html", {}, request=request)


@storefront_slot("nav")
def account_link(request, context) -> str:
    return render_to_string("listeners/_nav.html", {"listener": session.current_listener(request)}, request=request)


def _recommendations(request, *, surface: str, track=None) -> dict | None:
    listener = session.current_listener(request)
    # A visitor key (and the session that holds it) only while an experiment needs one: otherwise a first-time
    # visitor's page stays the same for everyone and the shared page cache may keep it.
    visitor = session.visitor_hash(request) if selectors.running_experiment(surface) else ""
    recommender, experiment = services.surface_recommender(surface=surface, visitor_hash=visitor)
    count = MORE_LIKE_THIS_COUNT if surface == Surface.MORE_LIKE_THIS else FOR_YOU_COUNT
    tracks = services.recommend(surface=surface, recommender=recommender, listener=listener, track=track, n=count)
    if not tracks:
        return None
    if experiment is not None:
        services.experiment_event_record(
            experiment=experiment, variant=recommender, visitor_hash=visitor, kind=ExperimentEvent.Kind.IMPRESSION
        )
    rows = [
        {
            "track": t,
            "link": (
                f"/listen/go/{click_token(experiment_id=experiment.pk, variant=recommender, track_uuid=t.uuid)}/"
                if experiment
                else None
            ),
        }
        for t in tracks
    ]
    return {"rows": rows, "recommender": recommender}


@storefront_slot("track_actions", order=10)
def track_actions(request, context) -> str:
    track = context.get("track")
    if track is None:
        return ""
    listener = session.current_listener(request)
    return render_to_string(
        "listeners/_track_actions.html",
        {
            "track": track,
            "listener": listener,
            "is_favourite": f"track:{track.uuid}" in selectors.favourite_keys(listener),
            "follows": track.artist_id in selectors.followed_artist_ids(listener),
            "playlists": list(selectors.playlists_of(listener)) if listener else [],
            "next": request.get_full_path(),
        },
        request=request,
    )


@storefront_slot("track_detail", order=20)
def more_like_this(request, context) -> str:
    track = context.get("track")
    if track is None:
        return ""
    recommendations = _recommendations(request, surface=Surface.MORE_LIKE_THIS, track=track)
    if recommendations is None:
        return ""
    return render_to_string(
        "listeners/_recommendations.html",
        {**recommendations, "title": "More like this", "slug": "more-like-this"},
        request=request,
    )


@storefront_slot("home", order=10)
def for_you(request, context) -> str:
    if session.current_listener(request) is None:
        return ""
    recommendations = _recommendations(request, surface=Surface.FOR_YOU)
    if recommendations is None:
        return ""
    return render_to_string(
        "listeners/_recommendations.html",
        {**recommendations, "title": "For you", "slug": "for-you"},
        request=request,
    )


@storefront_slot("release_detail", order=10)
def release_actions(request, context) -> str:
    release = context.get("release")
    if not isinstance(release, Release):
        return ""
    listener = session.current_listener(request)
    mix = selectors.mix_page(release.uuid) if release.kind == Release.Kind.MIX else None
    from listeners.forms import FeedbackForm

    return render_to_string(
        "listeners/_release_actions.html",
        {
            "release": release,
            "listener": listener,
            "is_favourite": f"release:{release.uuid}" in selectors.favourite_keys(listener),
            "follows": release.artist_id in selectors.followed_artist_ids(listener),
            "ratings": selectors.rating_summary(release),
            "own_feedback": selectors.own_feedback(listener, release),
            "feedback_form": FeedbackForm(),
            "mix": mix,
            "next": request.get_full_path(),
        },
        request=request,
    )


@storefront_slot("pack_detail", order=10)
def pack_actions(request, context) -> str:
    pack = context.get("pack")
    if pack is None:
        return ""
    listener = session.current_listener(request)
    return render_to_string(
        "listeners/_favourite_button.html",
        {
            "kind": "pack",
            "target": pack,
            "listener": listener,
            "is_favourite": f"pack:{pack.uuid}" in selectors.favourite_keys(listener),
            "next": request.get_full_path(),
        },
        request=request,
    )


@storefront_slot("checkout_complete", order=10)
def purchase_check(request, context) -> str:
    order = context.get("order")
    if order is None or not getattr(order, "is_paid", False):
        return ""
    return "<div data-listeners-purchase-check hidden></div>"


@storefront_slot("downloads_mine", order=10)
def library_invitation(request, context) -> str:
    """A buyer signed in to My downloads (their address verified by the same magic link) opens the listener
    account of that address in one click."""
    if session.current_listener(request) is not None or not request.session.get(session.DOWNLOADS_SESSION_KEY):
        return ""
    return render_to_string("listeners/_library_invitation.html", {}, request=request)


@storefront_slot("artist_detail", order=10)
def artist_follow(request, context) -> str:
    artist = context.get("artist")
    if artist is None:
        return ""
    listener = session.current_listener(request)
    if listener is None:
        return render_to_string(
            "listeners/_follow_invite.html", {"artist": artist, "next": request.get_full_path()}, request=request
        )
    return render_to_string(
        "listeners/_follow_button.html",
        {
            "artist": artist,
            "listener": listener,
            "follows": artist.pk in selectors.followed_artist_ids(listener),
            "next": request.get_full_path(),
        },
        request=request,
    )
