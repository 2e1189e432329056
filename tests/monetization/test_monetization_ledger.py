"""Revenue ledger: storefront money, statements matched by ISRC, monthly reports, CSV, Finance only."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from monetization import services
from monetization.engine.statements import StatementError, statement_parse
from monetization.models import LedgerEntry, StatementImport
from tests.factories import ReleaseFactory, ReleaseTrackFactory
from tests.monetization.factories import (
    charge_refunded,
    checkout_completed,
    licensable_track,
    pending_order,
    post_event,
)

pytestmark = pytest.mark.django_db

YOUTUBE_REPORT = """Report: Ad revenue asset summary
Reporting period: 2026-03-01 to 2026-03-31
Currency: USD

Asset ID,Asset Title,ISRC,Owned Views,Partner Revenue
A1,Rainy Window,QZLF12650101,120000,12.345678
A2,Rainy Window (ref),QZ-LF1-26-50101,3000,0.004322
A3,Unknown Song,GBAYE0000001,500,0.50
A4,No ISRC,,10,0.01
"""

DISTROKID_REPORT = (
    "Reporting Date\tSale Month\tStore\tArtist\tTitle\tISRC\tUPC\tQuantity\tEarnings (USD)\n"
    "2026-05-01\t2026-03\tSpotify\tMello\tRainy Window\tQZLF12650101\t\t1000\t3.10\n"
    "2026-05-01\t2026-03\tApple Music\tMello\tRainy Window\tQZLF12650101\t\t200\t1.25\n"
    "2026-05-01\t2026-04\tSpotify\tMello\tRainy Window\tQZLF12650101\t\t10\t0.05\n"
)


def upload(text: str, name: str = "report.csv"):
    return SimpleUploadedFile(name, text.encode())


def test_youtube_report_with_preamble_is_summed_per_isrc_and_matched(finance):
    track = licensable_track(isrc="QZLF12650101")
    release = ReleaseFactory(status="published", release_date=dt.date(2026, 2, 1))
    ReleaseTrackFactory(release=release, track=track, position=1)

    record = services.statement_import(
        source="youtube",
        period=dt.date(2026, 3, 15),
        currency="usd",
        file=upload(YOUTUBE_REPORT),
        file_name="yt-2026-03.csv",
        actor=finance,
    )

    assert (record.rows_read, record.rows_matched, record.rows_unmatched, record.rows_skipped) == (4, 2, 1, 1)
    assert record.unmatched_isrcs == ["GBAYE0000001"]
    matched = LedgerEntry.objects.get(statement=record, track=track)
    assert matched.amount_minor == 1235  # 12.345678 + 0.004322 = 12.35 USD, summed before rounding
    assert matched.units == 123000
    assert matched.booked_on == dt.date(2026, 3, 1)
    assert matched.release == release
    assert matched.kind == LedgerEntry.Kind.ROYALTY and matched.source == "youtube"
    unmatched = LedgerEntry.objects.get(statement=record, isrc="GBAYE0000001")
    assert unmatched.track is None and unmatched.amount_minor == 50


def test_distributor_tsv_uses_its_own_months_and_currency_column_name(finance):
    track = licensable_track(isrc="QZLF12650101")

    record = services.statement_import(
        source="distributor",
        period=dt.date(2026, 5, 1),
        currency="eur",
        file=upload(DISTROKID_REPORT, "dk.tsv"),
        file_name="dk.tsv",
        actor=finance,
    )

    entries = {e.booked_on: e for e in LedgerEntry.objects.filter(statement=record)}
    assert entries[dt.date(2026, 3, 1)].amount_minor == 435 and entries[dt.date(2026, 3, 1)].currency == "usd"
    assert entries[dt.date(2026, 4, 1)].amount_minor == 5
    assert "Apple Music" in entries[dt.date(2026, 3, 1)].description
    assert all(e.track == track for e in entries.values())


def test_the_same_file_cannot_be_imported_twice(finance):
    services.statement_import(
        source="youtube",
        period=dt.date(2026, 3, 1),
        currency="usd",
        file=upload(YOUTUBE_REPORT),
        file_name="a.csv",
        actor=finance,
    )
    with pytest.raises(ValidationError, match="already been imported"):
        services.statement_import(
            source="youtube",
            period=dt.date(2026, 3, 1),
            currency="usd",
            file=upload(YOUTUBE_REPORT),
            file_name="copy.csv",
            actor=finance,
        )
    assert StatementImport.objects.count() == 1


def test_a_report_without_isrc_or_money_is_refused_with_a_reason():
    with pytest.raises(StatementError, match="ISRC"):
        statement_parse(io.BytesIO(b"Title,Revenue\nA,1\n"), default_currency="usd", default_month=dt.date(2026, 1, 1))
    with pytest.raises(StatementError, match="money column"):
        statement_parse(
            io.BytesIO(b"ISRC,Views\nQZLF12650101,1\n"),
            default_currency="usd",
            default_month=dt.date(2026, 1, 1),
        )


def test_utf16_reports_parse():
    text = "ISRC\tRoyalty\nQZLF12650101\t1.50\n"
    result = statement_parse(
        io.BytesIO(text.encode("utf-16")), default_currency="gbp", default_month=dt.date(2026, 1, 1)
    )
    assert [(t.isrc, t.amount_minor, t.currency) for t in result.totals] == [("QZLF12650101", 150, "gbp")]


def storefront_sale_and_refund(client):
    track_a = licensable_track(title="Alpha")
    track_b = licensable_track(title="Beta")
    order = pending_order(tracks_and_tiers=[(track_a, "creator"), (track_b, "personal")])
    post_event(client, checkout_completed(order))
    post_event(client, charge_refunded(order, amount_refunded=900))
    order.refresh_from_db()
    return track_a, track_b, order


def test_monthly_report_per_track_release_and_source(client, finance):
    _, _, order = storefront_sale_and_refund(client)
    client.force_login(finance)
    month = order.paid_at.strftime("%Y-%m")

    by_track = client.get("/admin/monetization/ledgerentry/report/", {"month": month, "group": "track"})
    body = by_track.content.decode()
    assert by_track.status_code == 200
    assert "Alpha" in body and "Beta" in body
    by_source = client.get(
        "/admin/monetization/ledgerentry/report/", {"month": month, "group": "source", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(by_source.streaming_content).decode())))
    assert rows[0] == ["source", "currency", "sales", "refunds", "platform_royalties", "net", "units"]
    assert rows[1][:6] == ["Storefront", "USD", "38.00", "-9.00", "0.00", "29.00"]
    by_release = client.get("/admin/monetization/ledgerentry/report/", {"month": month, "group": "release"})
    assert "(none)" in by_release.content.decode()  # tracks on no release still add up


def test_ledger_csv_export_streams_every_entry(client, finance):
    _, _, order = storefront_sale_and_refund(client)
    client.force_login(finance)

    response = client.get("/admin/monetization/ledgerentry/export/", {"month": "all"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == LedgerEntry.objects.count() == 4  # two sales, two refund shares
    assert sum(float(r["amount"]) for r in rows) == pytest.approx(29.00)
    assert {r["order"] for r in rows} == {order.reference}


def test_finance_data_is_invisible_to_vas_and_editors(client, va, editor):
    storefront_sale_and_refund(client)
    for user in (va, editor):
        client.force_login(user)
        for url in (
            "/admin/monetization/ledgerentry/",
            "/admin/monetization/ledgerentry/report/",
            "/admin/monetization/ledgerentry/export/",
            "/admin/monetization/order/",
            "/admin/monetization/licence/",
            "/admin/monetization/statementimport/add/",
            "/admin/monetization/channelregistration/export/",
        ):
            assert client.get(url).status_code in (302, 403), (user, url)
        dashboard = client.get("/admin/").content.decode()
        assert "Storefront revenue this month" not in dashboard
        assert ("/admin/monetization/order/" in dashboard) is False
    client.force_login(va)
    assert "/admin/monetization/" not in client.get("/admin/").content.decode()  # no sales section at all


def test_statement_upload_in_the_cockpit(client, finance):
    licensable_track(isrc="QZLF12650101")
    client.force_login(finance)

    response = client.post(
        "/admin/monetization/statementimport/add/",
        {"source": "youtube", "period": "2026-03-01", "currency": "usd", "file": upload(YOUTUBE_REPORT)},
    )

    assert response.status_code == 302
    record = StatementImport.objects.get()
    assert record.imported_by == finance
    page = client.get(response["Location"]).content.decode()
    assert "GBAYE0000001" in page


def test_report_names_unmatched_isrcs_and_platform_royalties(client, finance):
    track = licensable_track(title="Rainy Window", isrc="QZLF12650101")
    services.statement_import(
        source="youtube",
        period=dt.date(2026, 3, 1),
        currency="usd",
        file=upload(YOUTUBE_REPORT),
        file_name="yt.csv",
        actor=finance,
    )
    client.force_login(finance)

    by_track = client.get("/admin/monetization/ledgerentry/report/", {"month": "2026-03", "group": "track"})
    body = by_track.content.decode()
    assert f"{track.title} — {track.artist.name} (QZLF12650101)" in body
    assert "Unmatched ISRC GBAYE0000001" in body
    by_source = client.get(
        "/admin/monetization/ledgerentry/report/", {"month": "2026-03", "group": "source", "format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(by_source.streaming_content).decode())))
    assert rows[1] == ["YouTube", "USD", "0.00", "0.00", "12.85", "12.85", "123500"]
