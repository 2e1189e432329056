"""The AutoDJ endpoints Liquidsoap calls (bearer token per station), and the public /radio/ page."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lofi_site.ratelimit import client_address
from radio import selectors
from radio.models import Station
from radio.services.autodj import AutoDJEmpty, autodj_empty_record, autodj_next
from radio.services.plays import RequestRefused, listener_request_create, play_report
from radio.services.stations import autodj_token_valid

logger = logging.getLogger(__name__)


def _authorised_station(request: HttpRequest, slug: str) -> Station:
    station = get_object_or_404(Station, slug=slug)
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not autodj_token_valid(station, token):
        raise Http404("Unknown station or token.")  # 404, not 403: do not confirm which stations exist
    return station


@csrf_exempt
@never_cache
@require_GET
def autodj_next_view(request: HttpRequest, slug: str) -> HttpResponse:
    """One Liquidsoap request line (`annotate:...:location`); 204 when there is nothing to play (Liquidsoap then
    plays its safety playlist for this turn)."""
    station = _authorised_station(request, slug)
    try:
        pick = autodj_next(station=station)
    except AutoDJEmpty as error:
        logger.warning("%s", error)
        autodj_empty_record(station=station, detail=str(error))
        return HttpResponse(status=204)
    if pick.relaxed:
        logger.info("station %s: relaxed %s to pick %s", slug, ", ".join(pick.relaxed), pick.play.title)
    return HttpResponse(pick.request_line, content_type="text/plain; charset=utf-8")


@csrf_exempt
@never_cache
@require_POST
def autodj_report_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Liquidsoap's on_track: the play log."""
    station = _authorised_station(request, slug)
    fields = {name: request.POST.get(name, "")[:300] for name in ("play_id", "track_id", "title", "artist", "filename")}
    play = play_report(station=station, **fields)
    return HttpResponse(str(play.pk) if play else "", content_type="text/plain")


@require_GET
def radio_page(request: HttpRequest) -> HttpResponse:
    stations = []
    for station in selectors.stations_public():
        now = selectors.now_playing(station)
        stations.append(
            {
                "station": station,
                "now": now,
                "cover_url": selectors.track_cover_url(now.track) if now.track else "",
                "recent": selectors.recent_plays(station, limit=10),
                "requestable": selectors.requestable_tracks(station),
            }
        )
    response = render(request, "radio/radio.html", {"stations": stations})
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
    if policy:
        origins = sorted({_origin(item["station"].stream_url) for item in stations})
        response["Content-Security-Policy"] = _allow_media(policy, origins)
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _allow_media(policy: str, origins: list[str]) -> str:
    """The site's policy with the stations' Icecast origins added to media-src (players open the streams there,
    often plain http on their own port, which the site-wide policy does not allow)."""
    if not origins:
        return policy
    directives = [d.strip() for d in policy.split(";") if d.strip()]
    for index, directive in enumerate(directives):
        if directive.startswith("media-src"):
            directives[index] = " ".join([directive, *origins])
            break
    else:
        directives.append("media-src 'self' " + " ".join(origins))
    return "; ".join(directives)


@require_POST
def request_track_view(request: HttpRequest, slug: str) -> HttpResponse:
    station = get_object_or_404(Station, slug=slug, on_air=True)
    try:
        listener_request_create(
            station=station, track_uuid=request.POST.get("track", ""), visitor=client_address(request)
        )
    except RequestRefused as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "Thanks! Your request is queued: it plays as soon as it fits the station's rotation.")
    return redirect("radio:radio")
