"""Without a Stripe key the shop says so before anyone types anything: on the cart (with an e-mail link), on the
cockpit for Finance (a red panel), and in `manage.py check` when DEBUG is off."""

from __future__ import annotations

import pytest

from monetization import checks
from tests.monetization.factories import LicenceTermsFactory, LicenceTierFactory, licensable_track

pytestmark = pytest.mark.django_db


def _cart_with_a_track(client):
    tier = LicenceTierFactory(slug="creator-off", name="Creator")
    LicenceTermsFactory(tier=tier, version=1)
    track = licensable_track(title="Paper Lanterns")
    client.post("/cart/add/", {"kind": "track", "track": str(track.uuid), "tier": tier.slug})


def test_the_cart_says_payments_are_off_and_offers_an_email(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.CONTACT_EMAIL = "sales@lantern.example"
    _cart_with_a_track(client)

    body = client.get("/cart/").content.decode()

    assert "Online payment is off for now" in body
    assert 'href="mailto:sales@lantern.example?subject=Licence%20request' in body
    assert "Paper%20Lanterns" in body  # the e-mail already names what they wanted
    assert "Continue to checkout" not in body


def test_with_stripe_set_the_cart_goes_to_checkout(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    _cart_with_a_track(client)

    body = client.get("/cart/").content.decode()

    assert "Online payment is off" not in body and "Continue to checkout" in body


def test_finance_sees_a_red_payments_off_panel_editors_do_not(client, settings, finance, editor):
    settings.STRIPE_SECRET_KEY = ""
    client.force_login(finance)
    body = client.get("/admin/").content.decode()
    assert "cockpit-panel-bad" in body and "Payments are off" in body
    client.force_login(editor)
    assert "Payments are off" not in client.get("/admin/").content.decode()
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    client.force_login(finance)
    assert "Payments are off" not in client.get("/admin/").content.decode()


def test_the_system_check_warns_only_in_production_without_stripe(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.DEBUG = True
    assert checks.stripe_configured() == []
    settings.DEBUG = False
    [warning] = checks.stripe_configured()
    assert warning.id == "monetization.W001" and "STRIPE_SECRET_KEY" in warning.msg
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    assert checks.stripe_configured() == []
