"""Factories and builders for sales tests: licensable tracks with real (short) audio files, orders, events."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import itertools
import json
import time
import uuid

import factory
import numpy as np
import soundfile
from factory.django import DjangoModelFactory

from catalog import services as catalog_services
from catalog.models import Asset, Track
from monetization import selectors, services
from monetization.models import (
    LICENCE_CODE_ALPHABET,
    ChannelRegistration,
    LedgerEntry,
    Licence,
    LicenceTerms,
    LicenceTier,
    Order,
    OrderLine,
    SamplePack,
    StatementImport,
    StripeEvent,
)
from tests.factories import TrackFactory

WEBHOOK_SECRET = "whsec_test_secret_for_tests_only"
STRIPE_KEY = "sk_test_for_tests_only"


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.asarray(audio, dtype=np.float32).T, sample_rate, subtype="PCM_16", format="WAV")
    return buffer.getvalue()


def tone(duration_s: float = 1.0, sample_rate: int = 8000, freq_hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    mono = (0.3 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    return np.vstack([mono, mono])


_isrc_numbers = itertools.count(1)


def licensable_track(*, title: str = "Rainy Window", isrc: str | None = "auto", **kwargs) -> Track:
    """An approved track with a master (private) and a preview (public), as the storefront sells them: offered
    before release (it is on no release that is out), unless the caller says otherwise."""
    if isrc == "auto":
        isrc = f"QZLF126{next(_isrc_numbers) + 50000:05d}"
    kwargs.setdefault("licensable_before_release", True)
    track = TrackFactory(title=title, status=Track.Status.APPROVED, isrc=isrc, **kwargs)
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.MASTER,
        content=wav_bytes(tone(1.0), 8000),
        filename="master.wav",
        format="wav",
        sample_rate=8000,
        channels=2,
    )
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.PREVIEW,
        content=wav_bytes(tone(0.5), 8000),
        filename="preview.wav",
        format="wav",
        sample_rate=8000,
        channels=2,
    )
    return track


def tier(slug: str = "creator") -> LicenceTier:
    return LicenceTier.objects.prefetch_related("terms_versions").get(slug=slug)


def pending_order(*, tracks_and_tiers=None, email: str = "buyer@example.com", name: str = "Ada Buyer") -> Order:
    """An order created through the real cart-pricing path (not hand-made rows)."""
    if tracks_and_tiers is None:
        tracks_and_tiers = [(licensable_track(), "creator")]
    keys = [f"t:{track.uuid}:{slug}" for track, slug in tracks_and_tiers]
    lines, dropped = selectors.cart_lines(keys)
    assert not dropped
    return services.order_create(lines=lines, email=email, licensee_name=name)


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's scheme: t=<unix ts>,v1=hex(HMAC-SHA256(secret, "<ts>.<payload>"))."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={signature}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-01-27",
        "created": int(time.time()),
        "type": event_type,
        "livemode": False,
        "data": {"object": obj},
    }


def checkout_completed(
    order: Order,
    *,
    amount_total: int | None = None,
    event_id: str | None = None,
    payment_status: str = "paid",
) -> dict:
    return event(
        "checkout.session.completed",
        {
            "id": order.stripe_session_id or f"cs_test_{order.uuid.hex[:10]}",
            "object": "checkout.session",
            "client_reference_id": str(order.uuid),
            "metadata": {"order_uuid": str(order.uuid)},
            "amount_total": order.total_minor if amount_total is None else amount_total,
            "currency": order.currency,
            "payment_status": payment_status,
            "payment_intent": f"pi_{order.uuid.hex[:20]}",
            "customer_details": {"email": order.email},
        },
        event_id,
    )


def charge_refunded(order: Order, *, amount_refunded: int, event_id: str | None = None) -> dict:
    return event(
        "charge.refunded",
        {
            "id": f"ch_{order.uuid.hex[:20]}",
            "object": "charge",
            "payment_intent": f"pi_{order.uuid.hex[:20]}",
            "amount": order.total_minor,
            "amount_refunded": amount_refunded,
            "refunded": amount_refunded >= order.total_minor,
            "currency": order.currency,
            "metadata": {},
        },
        event_id,
    )


def post_event(client, payload: dict | bytes, *, secret: str = WEBHOOK_SECRET, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or sign(body, secret)}
    return client.post("/stripe/webhook/", data=body, content_type="application/json", **headers)


# --- factory_boy factories (tests/lofi_site/test_site_admin.py finds them for every cockpit screen) ---


def _code(n: int) -> str:
    """The n-th licence code, spelled in the licence alphabet (unique per n)."""
    alphabet = LICENCE_CODE_ALPHABET
    digits = []
    for _ in range(8):
        n, r = divmod(n, len(alphabet))
        digits.append(alphabet[r])
    body = "".join(reversed(digits))
    return f"LOFI-{body[:4]}-{body[4:]}"


class LicenceTierFactory(DjangoModelFactory):
    class Meta:
        model = LicenceTier

    slug = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.Sequence(lambda n: f"Tier {n}")
    scope = LicenceTier.Scope.TRACK
    summary = "For testing."
    price_minor = 1500
    currency = "usd"


class LicenceTermsFactory(DjangoModelFactory):
    class Meta:
        model = LicenceTerms

    tier = factory.SubFactory(LicenceTierFactory)
    version = 1
    text = "Plain test terms."


class SamplePackFactory(DjangoModelFactory):
    class Meta:
        model = SamplePack

    slug = factory.Sequence(lambda n: f"pack-{n}")
    title = factory.Sequence(lambda n: f"Pack {n}")
    code = factory.Sequence(lambda n: f"P{n}")
    tier = factory.SubFactory(LicenceTierFactory, scope=LicenceTier.Scope.PACK)
    price_minor = 1900


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    licensee_name = factory.Sequence(lambda n: f"Buyer {n}")
    currency = "usd"
    total_minor = 1500
    status = Order.Status.PAID


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    track = factory.SubFactory(TrackFactory)
    terms = factory.SubFactory(LicenceTermsFactory)
    tier = factory.SelfAttribute("terms.tier")
    description = "Test licence"
    unit_amount_minor = 1500


class LicenceFactory(DjangoModelFactory):
    class Meta:
        model = Licence

    code = factory.Sequence(_code)
    order_line = factory.SubFactory(OrderLineFactory)
    track = factory.SelfAttribute("order_line.track")
    tier = factory.SelfAttribute("order_line.tier")
    terms = factory.SelfAttribute("order_line.terms")
    licensee_name = factory.SelfAttribute("order_line.order.licensee_name")
    licensee_email = factory.SelfAttribute("order_line.order.email")


class ChannelRegistrationFactory(DjangoModelFactory):
    class Meta:
        model = ChannelRegistration

    licence = factory.SubFactory(LicenceFactory)
    channel_id = factory.Sequence(lambda n: f"UC{n:022d}")


class LedgerEntryFactory(DjangoModelFactory):
    class Meta:
        model = LedgerEntry

    booked_on = factory.LazyFunction(dt.date.today)
    source = LedgerEntry.Source.STOREFRONT
    kind = LedgerEntry.Kind.SALE
    amount_minor = 1500
    currency = "usd"
    track = factory.SubFactory(TrackFactory)
    description = "Test sale"
    external_ref = factory.Sequence(lambda n: f"test:{n}")


class StatementImportFactory(DjangoModelFactory):
    class Meta:
        model = StatementImport

    source = StatementImport.Source.YOUTUBE
    period = factory.LazyFunction(lambda: dt.date.today().replace(day=1))
    file_name = factory.Sequence(lambda n: f"report-{n}.csv")
    file_path = factory.LazyAttribute(lambda o: f"statements/youtube/{o.file_name}")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class StripeEventFactory(DjangoModelFactory):
    class Meta:
        model = StripeEvent

    event_id = factory.Sequence(lambda n: f"evt_test_{n}")
    type = "checkout.session.completed"
    outcome = "test"
