"""The public storefront: browse and listen, license and pay, download, verify. No personal data on public
pages; every form is CSRF-protected except Stripe's webhook, which is authenticated by its signature."""

from __future__ import annotations

import logging
import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Asset, Style
from catalog.selectors import artist_public, public_isrc
from lofi_site.pagecache import public_page
from lofi_site.public_links import links_for_release
from lofi_site.ratelimit import client_address, rate_limit_allows
from monetization import cart, conf, selectors, services, stripe_gateway, tokens
from monetization.forms import ChannelForm, CheckoutForm, MagicLinkForm, TrackSearchForm, VerifyForm
from monetization.models import (
    LICENCE_CODE_ALPHABET,
    LICENCE_CODE_RE,
    Licence,
)
from monetization.money import format_money

log = logging.getLogger(__name__)

DOWNLOADS_SESSION_KEY = "downloads_email"
PAYMENTS_OFF = "Online payment is not available on this shop yet, so no order can be placed. Nothing was charged."


def _with_covers(tracks) -> list:
    """The tracks as a list, each with `cover_release` (the release whose artwork its card shows, or None)."""
    tracks = list(tracks)
    covers = selectors.track_cover_releases(tracks)
    for track in tracks:
        track.cover_release = covers.get(track.pk)
    return tracks


# Headings of the pack page's contents list, one per kind of file.
PACK_GROUP_TITLES = {"loop": "Loops", "one_shot": "One-shots", "midi": "MIDI files", "document": "Documents"}
CHECKOUT_ORDERS_SESSION_KEY = "checkout_orders"


# --- Browse and listen -------------------------------------------------------------------------------------


@require_GET
@public_page
def home(request):
    return render(
        request,
        "monetization/home.html",
        {
            "releases": selectors.featured_releases(),
            "tracks": _with_covers(selectors.storefront_tracks().order_by("-created_at")[:8]),
            "packs": list(selectors.packs_on_sale()[:3]),
            "tiers": list(selectors.track_tiers()),
            "moods": selectors.moods_with_tracks()[:12],
            "suggestions": selectors.search_suggestions(),
        },
    )


@require_GET
@public_page
def track_list(request):
    moods, styles = selectors.moods_with_tracks(), list(Style.objects.all())
    form = TrackSearchForm(request.GET or None, moods=moods, styles=styles)
    tracks = selectors.track_search(form.search())
    page = Paginator(tracks, conf.storefront_page_size()).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "monetization/track_list.html",
        {
            "form": form,
            "page": page,
            "tracks": _with_covers(page.object_list),
            "query": query.urlencode(),
            "suggestions": selectors.search_suggestions(),
            "filtered": form.is_filtered,
        },
    )


@require_GET
@public_page
def track_detail(request, uuid):
    track = selectors.storefront_track(uuid)
    if track is None:
        raise Http404("This track is not available for licensing.")
    tiers = list(selectors.track_tiers())
    keys = cart.cart_keys(request.session)
    in_cart = next((t.slug for t in tiers if cart.track_key(track.uuid, t.slug) in keys), None)
    releases = list(selectors.release_list_public().filter(release_tracks__track=track))
    [track] = _with_covers([track])
    return render(
        request,
        "monetization/track_detail.html",
        {
            "track": track,
            "isrc": public_isrc(track),
            "tiers": tiers,
            "in_cart_tier": in_cart,
            "releases": releases,
            "preview": track.asset(Asset.Kind.PREVIEW),
            "waveform": track.asset(Asset.Kind.WAVEFORM),
            "peaks": track.asset(Asset.Kind.PEAKS),
        },
    )


@require_GET
def release_by_uuid(request, uuid):
    """Earlier links named releases by UUID: send them to the page's address."""
    release = selectors.public_release_by_uuid(uuid)
    if release is None:
        raise Http404("This release is not out yet.")
    return redirect("monetization:release_detail", release.slug, permanent=True)


@require_GET
@public_page
def release_detail(request, slug):
    release = selectors.public_release(slug)
    if release is None:
        raise Http404("This release is not out yet.")
    licensable = {t.pk: t for t in selectors.storefront_tracks().filter(release_tracks__release=release)}
    rows = [(rt.position, licensable.get(rt.track_id), rt.track) for rt in release.release_tracks.all()]
    return render(
        request,
        "monetization/release_detail.html",
        {
            "release": release,
            "rows": rows,
            "tiers": list(selectors.track_tiers()),
            "platform_links": links_for_release(release),
            "more": [r for r in selectors.artist_releases(release.artist) if r.pk != release.pk][:4],
        },
    )


@require_GET
@public_page
def artist_detail(request, slug):
    artist = artist_public(slug)
    if artist is None:
        raise Http404("No such artist on the label.")
    releases = selectors.artist_releases(artist)
    on_releases = {rt.track_id for r in releases for rt in r.release_tracks.all()}
    singles = [t for t in selectors.storefront_tracks().filter(artist=artist) if t.pk not in on_releases]
    return render(
        request,
        "monetization/artist_detail.html",
        {"artist": artist, "releases": releases, "tracks": _with_covers(singles)},
    )


@require_GET
@public_page
def licence_tiers(request):
    tiers = list(selectors.all_public_tiers())
    return render(
        request,
        "monetization/licence_tiers.html",
        {
            "track_tiers": [t for t in tiers if t.scope == t.Scope.TRACK],
            "pack_tiers": [t for t in tiers if t.scope == t.Scope.PACK],
        },
    )


@require_GET
@public_page
def pack_list(request):
    return render(request, "monetization/pack_list.html", {"packs": list(selectors.packs_on_sale())})


@require_GET
@public_page
def pack_detail(request, slug):
    pack = selectors.pack_on_sale(slug)
    if pack is None:
        raise Http404("This sample pack is not on sale.")
    items = list(pack.items.all())
    groups: dict[str, list] = {title: [] for title in PACK_GROUP_TITLES.values()}  # the sounds first
    for item in items:
        groups.setdefault(PACK_GROUP_TITLES.get(item.kind, item.get_kind_display()), []).append(item)
    groups = {title: group for title, group in groups.items() if group}
    return render(
        request,
        "monetization/pack_detail.html",
        {
            "pack": pack,
            "groups": groups,
            "item_total": len(items),
            "in_cart": cart.pack_key(pack.uuid) in cart.cart_keys(request.session),
            "terms": pack.tier.current_terms(),
        },
    )


# --- Cart and checkout -------------------------------------------------------------------------------------


@never_cache
def cart_view(request):
    lines, dropped = selectors.cart_lines(cart.cart_keys(request.session))
    if dropped:
        cart.cart_set(request.session, [line.key for line in lines])
        messages.warning(request, f"{len(dropped)} item(s) are no longer for sale and were removed from your cart.")
    return render(request, "monetization/cart.html", {**_cart_context(lines), "payments_on": conf.payments_on()})


def _cart_context(lines: list[selectors.CartLine]) -> dict:
    currencies = {line.currency for line in lines}
    total = sum(line.unit_amount_minor for line in lines)
    return {
        "lines": lines,
        "mixed_currencies": len(currencies) > 1,
        "total_display": format_money(total, next(iter(currencies))) if len(currencies) == 1 else "",
    }


@require_POST
def cart_add_view(request):
    """Add what the form names: a track and a tier slug, or a pack. Any price field is ignored."""
    kind = request.POST.get("kind")
    if kind == "pack":
        key = cart.pack_key(request.POST.get("pack", ""))
    else:
        key = cart.track_key(request.POST.get("track", ""), request.POST.get("tier", ""))
    lines, _ = selectors.cart_lines([key])
    if not lines:
        messages.error(request, "That item is not for sale.")
        return HttpResponseRedirect(_safe_next(request, reverse("monetization:track_list")))
    outcome = cart.cart_add(request.session, key)
    line = lines[0]
    text = {
        "added": f"Added to your cart: {line.description}.",
        "switched": f"Your cart now has the {line.tier.licence_name} for this track.",
        "already": "That is already in your cart.",
        "full": "Your cart is full; check out before adding more.",
    }[outcome]
    (messages.error if outcome == "full" else messages.success)(request, text)
    return HttpResponseRedirect(_safe_next(request, reverse("monetization:cart")))


@require_POST
def cart_remove_view(request):
    cart.cart_remove(request.session, request.POST.get("key", ""))
    messages.info(request, "Removed from your cart.")
    return redirect("monetization:cart")


def _safe_next(request, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    # A path on this site only: redirect() would read "abc" as a view name, and a full URL is never needed.
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@never_cache
def checkout(request):
    lines, dropped = selectors.cart_lines(cart.cart_keys(request.session))
    if dropped:
        cart.cart_set(request.session, [line.key for line in lines])
        messages.warning(request, "Some items are no longer for sale and were removed. Please check your cart.")
        return redirect("monetization:cart")
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("monetization:cart")
    context = {**_cart_context(lines), "payments_on": bool(conf.stripe_secret_key())}
    form = CheckoutForm(request.POST or None)
    if request.method == "POST":
        if not rate_limit_allows(
            scope="checkout", key=client_address(request), limit=conf.checkout_rate_limit_per_hour()
        ):
            return render(request, "monetization/rate_limited.html", {"what": "checkout attempts"}, status=429)
        if not context["payments_on"]:  # no order is created that could never be paid
            form.add_error(None, PAYMENTS_OFF)
        elif context["mixed_currencies"]:
            form.add_error(None, "Items priced in different currencies must be bought in separate orders.")
        elif form.is_valid():
            url = _start_payment(request, lines, form)
            if url:
                return redirect(url, permanent=False)
    return render(request, "monetization/checkout.html", {**context, "form": form})


def _start_payment(request, lines, form) -> str:
    try:
        order = services.order_create(
            lines=lines, email=form.cleaned_data["email"], licensee_name=form.cleaned_data["licensee_name"]
        )
    except ValidationError as error:
        form.add_error(None, " ".join(error.messages))
        return ""
    request.session[CHECKOUT_ORDERS_SESSION_KEY] = [
        *request.session.get(CHECKOUT_ORDERS_SESSION_KEY, [])[-9:],
        str(order.uuid),
    ]
    success = (
        request.build_absolute_uri(reverse("monetization:checkout_complete")) + "?session_id={CHECKOUT_SESSION_ID}"
    )
    cancel = request.build_absolute_uri(reverse("monetization:checkout_cancelled"))
    try:
        return services.order_checkout_start(order=order, success_url=success, cancel_url=cancel)
    except stripe_gateway.PaymentsUnavailable as error:
        log.error("Checkout for %s could not start: %s", order, error)
        services.order_mark_payment_failed(
            order=order, reason=f"Checkout could not start: {error}", payment_intent_id=""
        )
        form.add_error(
            None,
            "Payments are unavailable right now, so nothing was charged. Please try again in a few minutes.",
        )
        return ""


@never_cache
@require_GET
def checkout_complete(request):
    order = selectors.order_by_session(request.GET.get("session_id", "")[:255])
    if order is None:
        raise Http404("We could not find that checkout.")
    mine = str(order.uuid) in request.session.get(CHECKOUT_ORDERS_SESSION_KEY, [])
    if mine and order.status == order.Status.PENDING:
        order = services.order_sync_from_stripe(order=order)
    if order.is_paid and mine:
        cart.cart_clear(request.session)
    context = {
        "order": order,
        "masked_email": _mask_email(order.email) if mine else "",
        "status_url": reverse("monetization:checkout_status") + f"?session_id={order.stripe_session_id}",
    }
    if order.is_paid and mine:
        context["download_orders"] = [o for o in selectors.orders_for_email(order.email) if o.pk == order.pk]
    return render(request, "monetization/checkout_complete.html", context)


@never_cache
@require_GET
def checkout_status(request):
    order = selectors.order_by_session(request.GET.get("session_id", "")[:255])
    if order is None:
        return JsonResponse({"status": "unknown"}, status=404)
    return JsonResponse({"status": order.status, "paid": order.is_paid, "label": order.get_status_display()})


@require_GET
def checkout_cancelled(request):
    return render(request, "monetization/checkout_cancelled.html")


def _mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}{'•' * max(len(name) - 1, 2)}@{domain}"


# --- Stripe -------------------------------------------------------------------------------------------------


@csrf_exempt  # Stripe cannot send our CSRF token; the signature check below authenticates every call
@require_POST
def stripe_webhook(request):
    try:
        event = stripe_gateway.webhook_event_verify(
            payload=request.body, signature_header=request.META.get("HTTP_STRIPE_SIGNATURE")
        )
    except stripe_gateway.MalformedWebhook as error:
        # Signed with our secret, so worth keeping: Stripe (or whoever holds the secret) sent something odd.
        log.warning("Refused a signed but malformed Stripe webhook: %s", error)
        services.stripe_event_record_malformed(payload=request.body, reason=str(error))
        return HttpResponseBadRequest(f"Malformed event: {error}", content_type="text/plain; charset=utf-8")
    except stripe_gateway.BadWebhook as error:
        log.warning("Rejected a Stripe webhook: %s", error)
        return HttpResponseBadRequest("Invalid payload or signature.")
    outcome = services.stripe_event_process(event=event)
    return JsonResponse({"received": True, "outcome": outcome})


# --- My downloads -------------------------------------------------------------------------------------------


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


class _LargeBlockFileResponse(FileResponse):
    block_size = 512 * 1024  # fewer, larger reads from storage than the 4 KB default; memory stays flat


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
    storage = storages[storage_name]
    if isinstance(storage, FileSystemStorage):
        return _LargeBlockFileResponse(storage.open(path, "rb"), as_attachment=True, filename=filename)
    # Object storage: a presigned URL valid for a few minutes, so the bytes never pass through Django.
    return redirect(_presigned_url(storage, path, filename))


def _presigned_url(storage, path: str, filename: str) -> str:
    try:
        return storage.url(path, parameters={"ResponseContentDisposition": f'attachment; filename="{filename}"'})
    except TypeError:  # a storage whose url() takes no parameters
        return storage.url(path)


# --- Verification -------------------------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    """ "lofi 7kq2 m9xd", "LOFI7KQ2M9XD" -> "LOFI-7KQ2-M9XD"; lookalikes (O, I, L) read as 0, 1 are left as
    typed so the unknown-code page can explain them."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if compact.startswith("LOFI"):
        compact = compact[4:]
    if len(compact) != 8:
        return text.strip().upper()
    return f"LOFI-{compact[:4]}-{compact[4:]}"


@require_GET
def licence_verify_form(request):
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if "/" not in code:
            return redirect("monetization:licence_verify", code=code)
        form.add_error("code", "A licence code has letters, digits and dashes only, like LOFI-7KQ2-M9XD.")
    return render(request, "monetization/licence_verify_form.html", {"form": form})


@require_GET
def licence_verify(request, code):
    canonical = normalise_code(code)
    if canonical != code and LICENCE_CODE_RE.match(canonical):
        return redirect("monetization:licence_verify", code=canonical)
    licence = selectors.licence_for_verification(canonical) if LICENCE_CODE_RE.match(canonical) else None
    if licence is None:
        body = canonical.replace("LOFI-", "", 1)
        # Shaped like a code (two groups of four letters or digits) but unknown, or not a code at all.
        code_shaped = bool(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", body))
        confusable = sorted({ch for ch in body if ch.isalnum() and ch not in LICENCE_CODE_ALPHABET})
        return render(
            request,
            "monetization/licence_verify_unknown.html",
            {
                "code": code[:40],
                "code_shaped": code_shaped,
                "form": VerifyForm(initial={"code": code[:40]}),
                "confusable": confusable,
                "alphabet": LICENCE_CODE_ALPHABET,
            },
            status=404,
        )
    channel = request.GET.get("channel", "").strip()
    channel_covered = None
    if channel:
        channel_covered = licence.is_valid and licence.channels.filter(channel_id=channel[:24]).exists()
    return render(
        request,
        "monetization/licence_verify.html",
        {"licence": licence, "channel": channel[:24], "channel_covered": channel_covered},
    )
