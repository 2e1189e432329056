"""The cart, the checkout through Stripe and Stripe's webhook (authenticated by its signature, not CSRF)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lofi_site.ratelimit import client_address, rate_limit_allows
from monetization import cart, conf, selectors, services, stripe_gateway
from monetization.engine.money import format_money
from monetization.forms import CheckoutForm

log = logging.getLogger(__name__)

PAYMENTS_OFF = "Online payment is not available on this shop yet, so no order can be placed. Nothing was charged."
CHECKOUT_ORDERS_SESSION_KEY = "checkout_orders"


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
