"""Public community pages. Each view checks its input and calls one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community import conf, selectors, services, tokens
from community.forms import NewsletterForm, TrackRequestForm
from community.models import TrackRequest
from lofi_site.files import PRIVATE, download_response
from lofi_site.ratelimit import client_address, rate_limit_allows

VOTED_SESSION_KEY = "community_voted"
PUBLIC_REQUESTS_SHOWN = 100


def _rate_limited(request, what: str):
    return render(request, "community/rate_limited.html", {"what": what}, status=429)


# --- Track requests -----------------------------------------------------------------------------------------


def requests_page(request):
    """The request form and the open requests, most wanted first (mood, activity, tempo and votes only)."""
    form = TrackRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_bot():  # look like success, store nothing: the bot learns nothing to adapt to
            messages.success(request, "Thanks! Your request is in the list.")
            return redirect("community:requests")
        # Only requests that would be stored count: a listener fixing a typo is not locked out.
        if form.is_valid():
            if not rate_limit_allows(
                scope="track-request", key=client_address(request), limit=conf.request_rate_limit_per_hour()
            ):
                return _rate_limited(request, "track requests")
            services.track_request_submit(**{f: form.cleaned_data[f] for f in TrackRequestForm.Meta.fields})
            messages.success(request, "Thanks! Your request is in the list: others can upvote it now.")
            return redirect("community:requests")
    context = {
        "form": form,
        "requests": selectors.track_requests_public()[:PUBLIC_REQUESTS_SHOWN],
        "voted": set(request.session.get(VOTED_SESSION_KEY, [])),
    }
    return render(request, "community/requests.html", context, status=400 if form.errors else 200)


@require_POST
def request_vote(request, uuid):
    track_request = get_object_or_404(TrackRequest, uuid=uuid)
    if not rate_limit_allows(
        scope="track-request-vote", key=client_address(request), limit=conf.vote_rate_limit_per_hour()
    ):
        return _rate_limited(request, "votes")
    voted = list(request.session.get(VOTED_SESSION_KEY, []))
    if str(uuid) not in voted:
        voted.append(str(uuid))
    request.session[VOTED_SESSION_KEY] = voted[-500:]
    if request.session.session_key is None:
        request.session.save()  # the vote is keyed on the session: it must exist before it is counted
    counted = services.track_request_vote(
        track_request=track_request,
        session_key=request.session.session_key,
        ip_address=client_address(request),
    )
    if counted:
        messages.success(request, "Upvoted. Thanks!")
    else:
        messages.info(request, "You have already upvoted this one.")
    return redirect("community:requests")


# --- Newsletter ---------------------------------------------------------------------------------------------


def newsletter_signup(request):
    form = NewsletterForm(request.POST or None)
    magnet = selectors.lead_magnet_active()
    if request.method == "POST":
        if form.is_bot():
            return render(request, "community/newsletter_check_inbox.html")
        if form.is_valid():
            email = form.cleaned_data["email"]
            limit = conf.newsletter_rate_limit_per_hour()
            if not (
                rate_limit_allows(scope="newsletter-ip", key=client_address(request), limit=limit * 4)
                and rate_limit_allows(scope="newsletter-email", key=email.lower(), limit=limit)
            ):
                return _rate_limited(request, "sign-ups")
            try:
                services.subscriber_subscribe(email=email)
            except ValidationError as error:
                form.add_error("email", error)
            else:
                # The same page whether or not the address was already subscribed: the form reveals no one.
                return render(request, "community/newsletter_check_inbox.html", {"magnet": magnet})
    return render(
        request,
        "community/newsletter_signup.html",
        {"form": form, "magnet": magnet},
        status=400 if form.errors else 200,
    )


@never_cache
def newsletter_confirm(request, token):
    """GET shows a button; the POST confirms. Mail scanners open links with GET, and a confirmation must be a
    person's act (that is what double opt-in proves)."""
    if tokens.confirm_token_read(token) is None:
        return render(request, "community/newsletter_link_invalid.html", {"what": "confirmation"}, status=410)
    if request.method != "POST":
        return render(request, "community/newsletter_confirm.html", {"token": token})
    try:
        subscriber = services.subscriber_confirm(token=token)
    except services.TokenRefused as error:
        return render(
            request,
            "community/newsletter_link_invalid.html",
            {"what": "confirmation", "reason": error.messages[0]},
            status=410,
        )
    magnet = selectors.lead_magnet_active()
    return render(
        request,
        "community/newsletter_confirmed.html",
        {
            "magnet": magnet,
            "download_url": services.lead_magnet_url(subscriber) if magnet else "",
            "link_hours": conf.lead_magnet_link_max_age_s() // 3600,
        },
    )


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" with no CSRF token
@never_cache
def newsletter_unsubscribe(request, token):
    """GET shows a one-button page (link scanners must not unsubscribe anyone); a POST unsubscribes at once,
    whether from that button or from the mail client's one-click unsubscribe."""
    subscriber_uuid = tokens.unsubscribe_token_read(token)
    subscriber = selectors.subscriber_by_uuid(subscriber_uuid)
    if subscriber is None:
        return render(request, "community/newsletter_link_invalid.html", {"what": "unsubscribe"}, status=404)
    if request.method == "POST":
        services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "community/newsletter_unsubscribed.html")
    return render(request, "community/newsletter_unsubscribe.html", {"token": token})


@never_cache
def lead_magnet_download(request, token):
    """The lead magnet's zip, for a confirmed subscriber holding a link that has not expired."""
    subscriber_uuid = tokens.lead_magnet_token_read(token)
    subscriber = selectors.subscriber_by_uuid(subscriber_uuid, confirmed_only=True)
    if subscriber is None:
        return render(request, "community/newsletter_link_invalid.html", {"what": "download"}, status=410)
    magnet = selectors.lead_magnet_active()
    if magnet is None:
        return render(
            request,
            "community/newsletter_link_invalid.html",
            {"what": "download", "reason": "The free pack is not available at the moment."},
            status=404,
        )
    return download_response(PRIVATE, magnet.archive_path, magnet.archive_name)
