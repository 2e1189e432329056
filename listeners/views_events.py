"""What the storefront's script reports: preview plays (for the recommender and the A/B counts), cart adds and
finished checkouts (A/B counts), and the recommendation links' click-through redirect."""

from __future__ import annotations

from django.core import signing
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from listeners import services, session
from listeners.models import Experiment, ExperimentEvent
from listeners.views import track_by_uuid
from lofi_site.ratelimit import client_address, rate_limit_allows

EVENTS_PER_HOUR = 600  # per client address: generous for a listener, a ceiling for a script
_CLICK_SALT = "listeners.recommendation-click"
CHECKOUT_ORDERS_SESSION_KEY = "checkout_orders"  # where the storefront keeps the session's checkout orders


def click_token(*, experiment_id: int | None, variant: str, track_uuid) -> str:
    return signing.dumps({"e": experiment_id, "v": variant, "t": str(track_uuid)}, salt=_CLICK_SALT, compress=True)


def _allowed(request) -> bool:
    return rate_limit_allows(scope="listener-events", key=client_address(request), limit=EVENTS_PER_HOUR)


@require_POST
def play(request):
    track = track_by_uuid(request.POST.get("track", ""))
    if track is None:
        return HttpResponseBadRequest("Unknown track.")
    if not _allowed(request):
        return JsonResponse({"logged": False, "reason": "rate limited"}, status=429)
    visitor = session.visitor_hash(request)
    logged = services.preview_play_record(track=track, visitor_hash=visitor, listener=session.current_listener(request))
    if logged:
        services.experiment_attribute(visitor_hash=visitor, track=track, kind=ExperimentEvent.Kind.PLAY)
    return JsonResponse({"logged": logged})


@require_POST
def event(request):
    kind = request.POST.get("kind", "")
    if not _allowed(request):
        return JsonResponse({"counted": 0, "reason": "rate limited"}, status=429)
    visitor = session.visitor_hash(request)
    if kind == "cart_add":
        track = track_by_uuid(request.POST.get("track", ""))
        if track is None:
            return HttpResponseBadRequest("Unknown track.")
        counted = services.experiment_attribute(visitor_hash=visitor, track=track, kind=ExperimentEvent.Kind.CART_ADD)
        return JsonResponse({"counted": counted})
    if kind == "purchase_check":
        # Only orders this browser session started and Stripe confirmed count: nothing the script says.
        orders = [str(o) for o in request.session.get(CHECKOUT_ORDERS_SESSION_KEY, [])]
        return JsonResponse({"counted": services.experiment_purchases_check(visitor_hash=visitor, order_uuids=orders)})
    return HttpResponseBadRequest("Unknown event.")


@never_cache
@require_GET
def go(request, token):
    """A recommendation's link: count the click for its experiment variant, then open the track page."""
    try:
        data = signing.loads(token, salt=_CLICK_SALT)
    except signing.BadSignature:
        raise Http404("This link is not valid.") from None
    track = track_by_uuid(str(data.get("t", "")))
    if track is None:
        raise Http404("This track is no longer available.")
    experiment = Experiment.objects.filter(pk=data.get("e")).first() if data.get("e") else None
    if experiment is not None:
        services.experiment_event_record(
            experiment=experiment,
            variant=str(data.get("v", "")),
            visitor_hash=session.visitor_hash(request),
            kind=ExperimentEvent.Kind.CLICK,
            track=track,
        )
    return redirect("monetization:track_detail", uuid=track.uuid)
