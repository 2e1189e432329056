"""The buyer's "My downloads" (a magic link signs them in by e-mail) and the download links themselves."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lofi_site.files import download_response
from lofi_site.ratelimit import client_address, rate_limit_allows
from monetization import conf, selectors, services, tokens
from monetization.forms import ChannelForm, MagicLinkForm
from monetization.models import Licence

DOWNLOADS_SESSION_KEY = "downloads_email"


@never_cache
def downloads_request(request):
    if request.session.get(DOWNLOADS_SESSION_KEY) and request.method == "GET":
        return redirect("monetization:downloads_mine")
    form = MagicLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        limit = conf.magic_link_rate_limit_per_hour()
        if not (
            rate_limit_allows(scope="magic-ip", key=client_address(request), limit=limit * 4)
            and rate_limit_allows(scope="magic-email", key=email, limit=limit)
        ):
            return render(request, "monetization/rate_limited.html", {"what": "sign-in e-mails"}, status=429)
        services.magic_link_request(email=email)
        # The same answer whether or not the address bought anything: the form must not reveal customers.
        return render(request, "monetization/downloads_sent.html", {"email": email})
    return render(request, "monetization/downloads_request.html", {"form": form})


@never_cache
@require_GET
def downloads_access(request, token):
    email = tokens.magic_token_read(token)
    if email is None:
        return render(request, "monetization/downloads_link_invalid.html", status=400)
    request.session.cycle_key()
    request.session[DOWNLOADS_SESSION_KEY] = email
    request.session.set_expiry(int(conf.magic_link_ttl_h() * 3600))
    # Redirect so the token leaves the address bar (and never travels on in a Referer header).
    return redirect("monetization:downloads_mine")


def _downloads_email(request) -> str | None:
    return request.session.get(DOWNLOADS_SESSION_KEY)


@never_cache
@require_GET
def downloads_mine(request):
    email = _downloads_email(request)
    if not email:
        return redirect("monetization:downloads")
    return render(
        request,
        "monetization/downloads_mine.html",
        {
            "orders": list(selectors.orders_for_email(email)),
            "email": email,
            "channel_form": ChannelForm(),
        },
    )


@require_POST
def downloads_refresh(request, uuid):
    email = _downloads_email(request)
    if not email:
        return redirect("monetization:downloads")
    order = selectors.orders_for_email(email).filter(uuid=uuid).first()
    if order is None:
        raise Http404("No such order for this e-mail address.")
    try:
        count = services.order_download_links_regenerate(order=order)
        messages.success(
            request,
            f"{count} fresh download link(s) are ready below. Each works "
            f"{conf.download_max_count()} times for {conf.download_link_ttl_h():g} hours.",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("monetization:downloads_mine") + f"#order-{order.uuid}")


def _my_licence(request, uuid) -> Licence:
    email = _downloads_email(request)
    licence = selectors.buyer_licence(uuid=uuid, email=email)
    if licence is None:
        raise Http404("No such licence for this e-mail address.")
    return licence


@require_POST
def channel_add(request, uuid):
    if not _downloads_email(request):
        return redirect("monetization:downloads")
    licence = _my_licence(request, uuid)
    form = ChannelForm(request.POST)
    if form.is_valid():
        try:
            registration = services.channel_register(licence=licence, channel_text=form.cleaned_data["channel"])
            messages.success(
                request,
                f"Channel {registration.channel_id} is registered. It is added to the "
                "allow list at our next Content ID update.",
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Please enter a channel id.")
    return redirect(reverse("monetization:downloads_mine") + f"#licence-{licence.uuid}")


@require_POST
def channel_remove_view(request, pk):
    email = _downloads_email(request)
    if not email:
        return redirect("monetization:downloads")
    registration = selectors.buyer_channel_registration(pk=pk, email=email)
    if registration is None:
        raise Http404("No such channel registration.")
    services.channel_remove(registration=registration)
    messages.info(request, f"Channel {registration.channel_id} removed.")
    return redirect(reverse("monetization:downloads_mine") + f"#licence-{registration.licence.uuid}")


@require_POST
def downloads_sign_out(request):
    request.session.pop(DOWNLOADS_SESSION_KEY, None)
    messages.info(request, "You are signed out of My downloads on this device.")
    return redirect("monetization:home")


@never_cache
def download(request, token):
    """GET shows what the link delivers and a button; POST counts the download and streams the file.

    Link checkers in mail clients open links with GET, so only the POST uses up one of the downloads.
    """
    link_uuid = tokens.download_token_read(token)
    link = selectors.download_link_with_licence(link_uuid)
    if link is None:
        return render(
            request,
            "monetization/download_refused.html",
            {"reason": "This download link is not valid. It may be incomplete or out of date."},
            status=404,
        )
    refusal = link.refusal()
    if request.method != "POST" or refusal:
        status = 410 if refusal else 200
        template = "monetization/download_refused.html" if refusal else "monetization/download.html"
        return render(request, template, {"link": link, "reason": refusal}, status=status)
    try:
        link = services.download_link_consume(link_uuid=link.uuid)
        storage_name, path, filename = services.download_file(link=link)
    except services.DownloadRefused as error:
        return render(request, "monetization/download_refused.html", {"link": link, "reason": str(error)}, status=410)
    return download_response(storage_name, path, filename)
