"""Licences: codes, certificates, public verification without personal data, versioned terms, channels."""

from __future__ import annotations

import re

import pytest

from monetization import services
from monetization.models import LICENCE_CODE_ALPHABET, ChannelRegistration, Licence, LicenceTier
from monetization.services import licences
from operations.models import AuditEvent
from tests.monetization.factories import checkout_completed, licensable_track, pending_order, post_event, tier

pytestmark = pytest.mark.django_db


def paid_licence(client, tier_slug="creator", **order_kwargs) -> Licence:
    order = pending_order(tracks_and_tiers=[(licensable_track(), tier_slug)], **order_kwargs)
    post_event(client, checkout_completed(order))
    return Licence.objects.get(order_line__order=order)


def test_codes_are_human_readable_and_unambiguous(client):
    codes = [paid_licence(client, email=f"b{i}@example.com").code for i in range(1)]
    codes += [licences._licence_code_new() for _ in range(200)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"LOFI-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
        assert not set(code[5:].replace("-", "")) & set("0O1ILUV")
        assert set(code[5:].replace("-", "")) <= set(LICENCE_CODE_ALPHABET)


def test_verification_page_shows_validity_track_and_tier_but_no_personal_data(client):
    licence = paid_licence(client, email="private.person@example.com", name="Private Person")

    response = client.get(f"/licences/verify/{licence.code}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "valid" in body
    assert licence.track.title in body and "Creator" in body and licence.track.isrc in body
    assert "terms version 1" in body
    assert "private.person" not in body and "Private Person" not in body


def test_verification_accepts_sloppy_typing(client):
    licence = paid_licence(client)
    sloppy = licence.code.lower().replace("-", " ")
    response = client.get("/licences/verify/", {"code": sloppy})
    assert response.status_code == 302
    assert response["Location"] == f"/licences/verify/{licence.code}/"
    compact = client.get(f"/licences/verify/{licence.code.replace('-', '').lower()}/")
    assert compact.status_code == 302


def test_unknown_code_answers_404_with_help(client):
    response = client.get("/licences/verify/LOFI-0OIL-AAAA/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "We found no licence with that code" in body
    assert "0, I, L, O" in body  # the lookalike characters in what was typed
    assert 'name="code"' in body  # a form to try again


def test_channel_check_on_the_verification_page(client):
    licence = paid_licence(client)
    channel = "UC" + "x" * 22
    services.channel_register(licence=licence, channel_text=f"https://www.youtube.com/channel/{channel}")

    covered = client.get(f"/licences/verify/{licence.code}/", {"channel": channel}).content.decode()
    other = client.get(f"/licences/verify/{licence.code}/", {"channel": "UC" + "y" * 22}).content.decode()

    assert "is registered under this licence" in covered
    assert "is not registered" in other


def test_certificate_pdf_names_licensee_track_isrc_tier_terms_date_code_and_url(client):
    licence = paid_licence(client, name="Ada Studio Ltd")
    path = services.licence_certificate_ensure(licence=licence)

    from django.core.files.storage import storages

    pdf = storages["private"].open(path).read()
    text = _pdf_text(pdf)
    for expected in [
        "Ada Studio Ltd",
        licence.track.title,
        licence.track.isrc,
        "Creator",
        "v1",
        licence.code,
        f"http://shop.test/licences/verify/{licence.code}/",
        licence.created_at.strftime("%d %B %Y"),
    ]:
        assert expected in text, expected
    # Stored privately: the public storage has no certificates.
    assert not storages["default"].exists(path)
    # Idempotent: a second call returns the same file.
    assert services.licence_certificate_ensure(licence=licence) == path


def _pdf_text(pdf: bytes) -> str:
    """Text of a reportlab PDF: decode its page streams (ASCII85 + Flate) and join the strings drawn."""
    import base64
    import zlib

    chunks = []
    for match in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \].*?stream\r?\n(.*?)endstream", pdf, re.S):
        encoded = b"".join(match.group(1).split()).removesuffix(b"~>")
        data = zlib.decompress(base64.a85decode(encoded))
        chunks.extend(m.decode("latin-1") for m in re.findall(rb"\((.*?)\)\s*Tj", data))
    return " ".join(chunks).replace("\\(", "(").replace("\\)", ")")


def test_changing_terms_publishes_a_new_version_and_old_licences_keep_theirs(client, finance):
    licence = paid_licence(client)
    creator = tier("creator")
    old_text = creator.current_terms().text

    services.licence_tier_save(tier=creator, terms_text=old_text + "\nNew clause 9: stream archives.", actor=finance)
    services.licence_tier_save(tier=creator, terms_text=old_text + "\nNew clause 9: stream archives.", actor=finance)

    creator = tier("creator")
    assert creator.current_terms().version == 2
    assert creator.terms_versions.count() == 2  # saving the same text again adds nothing
    licence.refresh_from_db()
    assert licence.terms.version == 1 and "New clause 9" not in licence.terms.text
    newer = paid_licence(client, email="new@example.com")
    assert newer.terms.version == 2
    assert AuditEvent.objects.filter(verb="licence_terms.published").count() == 1


def test_price_changes_are_audited(finance):
    creator = tier("creator")
    creator.price_minor = 3900
    services.licence_tier_save(tier=creator, terms_text="", actor=finance)
    event = AuditEvent.objects.get(verb="licence_tier.price_changed")
    assert event.actor == finance
    assert event.changes["price_minor"] == [2900, 3900]


def test_seeded_tiers_have_plain_terms_and_sensible_prices():
    tiers = {t.slug: t for t in LicenceTier.objects.prefetch_related("terms_versions")}
    assert {"personal", "creator", "commercial", "sync-broadcast", "sample-pack"} <= set(tiers)
    prices = [tiers[s].price_minor for s in ("personal", "creator", "commercial", "sync-broadcast")]
    assert prices == sorted(prices) and prices[0] > 0
    for slug in ("personal", "creator", "commercial", "sync-broadcast"):
        text = tiers[slug].current_terms().text
        assert "What you can do" in text and "Content ID" in text and "refunded" in text


@pytest.mark.parametrize("value", ["UC123", "XX" + "a" * 22, "UC" + "a" * 21 + "!", "", "https://youtube.com/@handle"])
def test_channel_ids_are_validated(client, value):
    from django.core.exceptions import ValidationError

    licence = paid_licence(client)
    with pytest.raises(ValidationError):
        services.channel_register(licence=licence, channel_text=value)


def test_channel_allowance_follows_the_tier_and_revoked_licences_leave_the_export(client, finance):
    licence = paid_licence(client, tier_slug="personal")  # one channel
    services.channel_register(licence=licence, channel_text="UC" + "a" * 22)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="covers 1 channel"):
        services.channel_register(licence=licence, channel_text="UC" + "b" * 22)

    client.force_login(finance)
    export = client.get("/admin/monetization/channelregistration/export/").content.decode()
    assert "UC" + "a" * 22 in export and licence.code in export

    services.licence_revoke(licence=licence, reason="test")
    export = client.get("/admin/monetization/channelregistration/export/").content.decode()
    assert "UC" + "a" * 22 not in export
    assert ChannelRegistration.objects.count() == 1  # kept for the record


def test_buyer_registers_a_channel_from_my_downloads(client):
    licence = paid_licence(client)
    session = client.session
    session["downloads_email"] = "buyer@example.com"
    session.save()

    client.post(
        f"/downloads/mine/licences/{licence.uuid}/channels/",
        {"channel": "https://www.youtube.com/channel/UC" + "Z" * 22 + "?view=about"},
    )
    response = client.post(f"/downloads/mine/licences/{licence.uuid}/channels/", {"channel": "UCnope"})

    assert list(licence.channels.values_list("channel_id", flat=True)) == ["UC" + "Z" * 22]
    page = client.get("/downloads/mine/").content.decode()
    assert "UC" + "Z" * 22 in page
    assert response.status_code == 302
