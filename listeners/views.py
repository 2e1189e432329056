"""Listeners' public pages: sign-in by e-mailed link, My library (profile, favourites, playlists, follows,
orders), the privacy actions, and public profiles. Playlists, mixes and the event endpoints are in
views_playlists.py, views_mixes.py and views_events.py."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Artist, Release, Track
from listeners import selectors, services, session, tokens
from listeners.forms import DeleteAccountForm, PlaylistForm, ProfileForm, SignInForm
from lofi_site.ratelimit import client_address, rate_limit_allows
from monetization import conf as shop_conf
from monetization import tokens as shop_tokens
from monetization.models import SamplePack


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def signed_in(view):
    """Pages of a signed-in listener: others are sent to the sign-in page (and come back after)."""

    def wrapper(request, *args, **kwargs):
        listener = session.current_listener(request)
        if listener is None:
            if request.method == "POST":
                messages.info(request, "Sign in to keep favourites and playlists: we e-mail you a link.")
            target = request.get_full_path() if request.method == "GET" else ""
            return redirect(f"{_sign_in_url()}?{urlencode({'next': target})}")
        return view(request, listener, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _sign_in_url() -> str:
    from django.urls import reverse

    return reverse("listeners:sign_in")


# --- Sign-in ----------------------------------------------------------------------------------------------------


@never_cache
def sign_in_request(request):
    if session.current_listener(request) is not None and request.method == "GET":
        return redirect("listeners:library")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limit = shop_conf.magic_link_rate_limit_per_hour()
        # The same limits (and counters) as the "My downloads" form: one sign-in, one budget per address.
        if not (
            rate_limit_allows(scope="magic-ip", key=client_address(request), limit=limit * 4)
            and rate_limit_allows(scope="magic-email", key=email, limit=limit)
        ):
            return render(request, "monetization/rate_limited.html", {"what": "sign-in e-mails"}, status=429)
        services.sign_in_link_request(email=email)
        next_url = safe_next(request, "")
        if next_url:
            request.session["listeners_next"] = next_url
        return render(request, "listeners/sign_in_sent.html", {"email": email})
    context = {"form": form, "next": request.GET.get("next", ""), "ttl_h": shop_conf.magic_link_ttl_h()}
    return render(request, "listeners/sign_in.html", context)


@never_cache
@require_GET
def access(request, token):
    email = shop_tokens.magic_token_read(token)
    if email is None:
        return render(request, "listeners/sign_in_invalid.html", status=400)
    next_url = request.session.get("listeners_next", "")
    listener = services.listener_sign_in(email=email)
    session.sign_in(request, listener)
    messages.success(request, "You are signed in.")
    # Redirect so the token leaves the address bar (and never travels on in a Referer header).
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("listeners:library")


@require_POST
def from_downloads(request):
    """One account for buyers and listeners: a buyer signed in to My downloads (by the same magic link, so the
    address is verified) opens the listener account of that address without a second e-mail."""
    email = request.session.get(session.DOWNLOADS_SESSION_KEY)
    if not email:
        return redirect("listeners:sign_in")
    session.sign_in(request, services.listener_sign_in(email=email))
    messages.success(request, "Your library is open.")
    return redirect("listeners:library")


@require_POST
def sign_out(request):
    session.sign_out(request)
    messages.info(request, "You are signed out on this device.")
    return redirect("monetization:home")


# --- My library --------------------------------------------------------------------------------------------------


@never_cache
@require_GET
@signed_in
def library(request, listener):
    favourites = list(selectors.favourites(listener))
    return render(
        request,
        "listeners/library.html",
        {
            "listener": listener,
            "profile_form": ProfileForm(
                initial={
                    "display_name": listener.display_name,
                    "is_public": listener.is_public,
                    "release_alerts": listener.release_alerts,
                }
            ),
            "playlist_form": PlaylistForm(initial={"visibility": "private"}),
            "favourite_tracks": [f.track for f in favourites if f.track_id],
            "favourite_releases": [f.release for f in favourites if f.release_id],
            "favourite_packs": [f.pack for f in favourites if f.pack_id],
            "playlists": list(selectors.playlists_of(listener)),
            "follows": list(selectors.follows(listener)),
            "orders": list(selectors.orders(listener)),
        },
    )


@require_POST
@signed_in
def profile_update(request, listener):
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.listener_profile_update(listener=listener, **form.cleaned_data)
            messages.success(request, "Your profile is saved.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Please check the profile form.")
    return redirect("listeners:library")


@require_POST
@signed_in
def favourite_toggle(request, listener):
    kind, uuid = request.POST.get("kind", ""), request.POST.get("uuid", "")
    target = _favourite_target(kind, uuid)
    if target is None:
        raise Http404("Nothing to save there.")
    now = services.favourite_toggle(listener=listener, **{kind: target})
    messages.success(request, f"{'Saved to' if now else 'Removed from'} your library: {target}.")
    return redirect(safe_next(request, "/library/"))


def _favourite_target(kind: str, uuid: str):
    try:
        if kind == "track":
            return selectors.storefront_pool().filter(uuid=uuid).first()
        if kind == "release":
            from catalog.selectors import release_list_public

            return release_list_public().filter(uuid=uuid).first()
        if kind == "pack":
            return SamplePack.objects.filter(uuid=uuid, is_published=True).first()
    except ValidationError:  # not a uuid
        return None
    return None


@require_POST
@signed_in
def follow_toggle(request, listener, slug):
    artist = Artist.objects.filter(slug=slug).first()
    if artist is None:
        raise Http404("No such artist.")
    now = services.follow_toggle(listener=listener, artist=artist)
    if now and not listener.release_alerts:
        messages.success(
            request, f"You follow {artist.name}. Turn on release e-mails in My library to hear about new releases."
        )
    else:
        messages.success(request, f"You {'follow' if now else 'no longer follow'} {artist.name}.")
    return redirect(safe_next(request, "/library/"))


# --- Privacy -------------------------------------------------------------------------------------------------------


@never_cache
@require_GET
@signed_in
def data_export(request, listener):
    data = services.listener_data_export(listener=listener)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@never_cache
@signed_in
def account_delete(request, listener):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.listener_delete(listener=listener)
        session.sign_out(request)
        request.session.flush()
        messages.success(request, "Your account and library are deleted. Receipts of past orders are kept, anonymised.")
        return redirect("monetization:home")
    return render(request, "listeners/account_delete.html", {"form": form, "listener": listener})


@never_cache
def alerts_off(request, token):
    """One-click unsubscribe (RFC 8058 POSTs here); a GET shows a button, so mail scanners change nothing."""
    listener_uuid = tokens.alerts_off_token_read(token)
    if listener_uuid is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        services.release_alerts_unsubscribe(listener_uuid=listener_uuid)
        return render(request, "listeners/alerts_off.html", {"done": True})
    return render(request, "listeners/alerts_off.html", {"done": False})


# --- Public profiles ----------------------------------------------------------------------------------------------


@require_GET
def profile_public(request, uuid):
    listener = selectors.public_profile(uuid)
    if listener is None:
        raise Http404("This profile is private or does not exist.")
    return render(
        request,
        "listeners/profile.html",
        {"profile": listener, "playlists": list(selectors.public_playlists(listener))},
    )


def track_by_uuid(uuid: str) -> Track | None:
    try:
        return selectors.storefront_pool().filter(uuid=uuid).first()
    except ValidationError:
        return None


def release_by_uuid(uuid) -> Release | None:
    from catalog.selectors import release_list_public

    return release_list_public().filter(uuid=uuid).first()
