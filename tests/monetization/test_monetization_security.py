"""CSRF on every storefront form; Stripe's webhook, authenticated by its signature, is the only exemption."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern

from monetization import tokens, urls
from tests.monetization.factories import checkout_completed, pending_order, post_event

pytestmark = pytest.mark.django_db


def test_only_the_stripe_webhook_is_exempt_from_csrf():
    patterns = [p for p in urls.urlpatterns if isinstance(p, URLPattern)]
    exempt = [p.name for p in patterns if getattr(p.callback, "csrf_exempt", False)]
    assert exempt == ["stripe_webhook"]


def test_every_storefront_post_without_a_token_is_refused(client):
    order = pending_order()
    post_event(client, checkout_completed(order))
    licence = order.lines.get().licence
    link = licence.download_links.get(kind="master")
    strict = Client(enforce_csrf_checks=True)
    session = strict.session
    session["downloads_email"] = order.email
    session.save()

    for path, data in (
        ("/cart/add/", {"kind": "track", "track": str(licence.track.uuid), "tier": "creator"}),
        ("/cart/remove/", {"key": "x"}),
        ("/checkout/", {}),
        ("/downloads/", {"email": order.email}),
        (f"/downloads/mine/orders/{order.uuid}/refresh/", {}),
        (f"/downloads/mine/licences/{licence.uuid}/channels/", {"channel": "UC" + "a" * 22}),
        ("/downloads/mine/sign-out/", {}),
        (f"/downloads/file/{tokens.download_token(link.uuid)}/", {}),
    ):
        assert strict.post(path, data).status_code == 403, path

    link.refresh_from_db()
    assert link.download_count == 0 and licence.channels.count() == 0
    assert strict.session.get("downloads_email") == order.email  # not signed out by a forged form
