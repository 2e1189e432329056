"""Every role's journey in the system Chromium, asserting what the person sees (issue 12).

Transactional tests (the live server runs in another thread): each creates what it needs. Renders are short
(6 s) and covers small where no platform rule needs them large, so the five journeys stay quick."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from catalog import services as catalog_services
from catalog.models import Asset, Release, Track
from distribution import services as distribution_services
from distribution.models import Platform, Publication, ReleaseMedia
from distribution.views import calendar_url
from production.models import RenderJob
from production.tasks import render_job_run_task, track_fingerprint_task
from tests.distribution.conftest import build_release, make_complete, tick_release_qa
from tests.distribution.factories import PlatformAccountFactory
from tests.factories import ArtistFactory, MoodFactory, ReleaseFactory, ReleaseTrackFactory
from tests.journeys.browser import chromium_page, log_in
from tests.monetization.factories import LicenceTermsFactory, LicenceTierFactory, licensable_track, tone, wav_bytes
from tests.monetization.stripe_stub import StripeStub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEDIA_URLCONF = "tests.monetization.browser_urls"  # the site's URLs plus public media from the test's folder


@pytest.fixture(autouse=True)
def _quiet_queue(monkeypatch, settings):
    """Tasks are recorded nowhere: each journey runs the work it needs itself."""
    monkeypatch.setattr("lofi_site.queue.async_task", lambda *args, **kwargs: None)
    settings.ROOT_URLCONF = MEDIA_URLCONF
    # Playwright's sync API keeps an event loop on this thread; the journeys read and write the database between
    # page steps (as a second person would), which Django otherwise refuses from a thread with a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _cover(size: int = 600, colour=(180, 90, 120)) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue())


def _out_release(*, title: str, track: Track, with_link: bool = True) -> Release:
    """A published release whose date has come, with a cover and (optionally) a live YouTube publication."""
    release = ReleaseFactory(title=title, artist=track.artist, status=Release.Status.PUBLISHED)
    release.release_date = timezone.localdate() - dt.timedelta(days=2)
    release.save()
    release.artwork.save("cover.jpg", _cover(), save=True)
    ReleaseTrackFactory(release=release, track=track, position=1)
    if with_link:
        account = PlatformAccountFactory(platform=Platform.YOUTUBE, name="Main channel")
        Publication.objects.create(
            release=release,
            account=account,
            status=Publication.Status.PUBLISHED,
            scheduled_at=timezone.now() - dt.timedelta(days=2),
            external_url="https://www.youtube.com/watch?v=journey01",
        )
    return release


# --- Visitor -----------------------------------------------------------------------------------------------


def test_visitor_home_release_page_preview_cart_and_checkout(live_server, settings):
    settings.CONTACT_EMAIL = "hello@lantern.example"
    tier = LicenceTierFactory(slug="studio-journey", name="Studio Journey", price_minor=2900, currency="usd")
    LicenceTermsFactory(tier=tier, version=1, text="Creator terms.")
    track = licensable_track(title="Lamplight", licensable_before_release=False, bpm=78)
    Asset.objects.filter(track=track, kind=Asset.Kind.PREVIEW).delete()
    catalog_services.asset_store(
        track=track,
        kind=Asset.Kind.PREVIEW,
        content=wav_bytes(tone(3.0), 8000),
        filename="preview.wav",
        format="wav",
        sample_rate=8000,
        channels=2,
    )
    release = _out_release(title="Night Shift EP", track=track)
    unreleased = licensable_track(title="Tomorrow's Song", licensable_before_release=False)

    with StripeStub() as stripe_stub:
        settings.STRIPE_API_BASE = stripe_stub.base_url
        settings.STRIPE_SECRET_KEY = "sk_test_journey"
        with chromium_page("visitor") as page:
            page.goto(live_server.url + "/")
            assert page.locator("link[rel=icon]").get_attribute("href").endswith("favicon.svg")
            assert "Tomorrow's Song" not in page.content()  # not out, not offered before release
            page.get_by_role("link", name="Night Shift EP").click()

            page.wait_for_url(f"**/releases/{release.slug}/")
            assert page.locator("h1").inner_text() == "Night Shift EP"
            cover = page.locator(".release-cover img")
            assert cover.get_attribute("src").endswith(".jpg") and cover.evaluate("img => img.naturalWidth") > 0
            assert page.get_by_role("link", name="Listen on YouTube").get_attribute("href").endswith("journey01")
            assert "released" in page.locator(".release-head").inner_text().lower()

            page.get_by_role("button", name="Play preview of Lamplight").click()
            page.wait_for_timeout(100)
            from tests.browser_wait import wait_for_js

            wait_for_js(page, "window.storefrontAudio && window.storefrontAudio.currentTime > 0.2")

            page.get_by_label("Licence for Lamplight").select_option(tier.slug)
            page.get_by_role("button", name="Add licence for Lamplight").click()
            assert "Added to your cart" in page.locator(".messages").inner_text()
            page.goto(live_server.url + "/cart/")
            assert "$29.00" in page.locator("table.cart").inner_text()
            assert page.locator(".notice").count() == 0  # payments are on: no warning
            page.get_by_role("link", name="Continue to checkout").click()
            page.get_by_label("Licence holder").fill("Ada Studio")
            page.get_by_label("E-mail address").fill("ada@example.com")
            page.locator("#id_accept_terms").check()
            page.get_by_role("button", name="Pay securely with Stripe").click()
            page.wait_for_url(stripe_stub.base_url + "/pay/*")
            assert page.locator("h1").inner_text() == "Stripe test checkout"

    # Without Stripe the cart says so before anything is typed, and offers an e-mail instead.
    settings.STRIPE_SECRET_KEY = ""
    with chromium_page("visitor-payments-off") as page:
        page.goto(f"{live_server.url}/tracks/{track.uuid}/")
        assert unreleased.title not in page.content()
        page.get_by_role("button", name="Add Studio Journey licence to cart for Lamplight").click()
        page.goto(live_server.url + "/cart/")
        notice = page.locator(".notice")
        assert "Online payment is off for now" in notice.inner_text()
        assert notice.get_by_role("link").get_attribute("href").startswith("mailto:hello@lantern.example")
        assert page.get_by_role("link", name="Continue to checkout").count() == 0
        assert page.locator("input:not([type=hidden])").count() == 0  # nothing to type in vain


# --- API docs offline ------------------------------------------------------------------------------------


def test_api_docs_list_operations_with_the_network_blocked(live_server):
    with chromium_page("api-docs", block_network=True) as page:
        page.goto(live_server.url + "/api/docs/")
        page.locator(".opblock").first.wait_for(timeout=40_000)  # a busy CI machine parses the schema slowly
        summaries = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/api/v1/tracks/" in summaries and "/api/v1/releases/" in summaries
        assert page.locator(".opblock").count() >= 10
        page.goto(live_server.url + "/api/redoc/")
        page.locator("[data-section-id]").first.wait_for(state="attached")
        assert "List tracks" in page.content()
        assert page.blocked_requests == []  # neither page asked another host for anything


# --- Finance ---------------------------------------------------------------------------------------------

YOUTUBE_REPORT = b"""Report: Ad revenue asset summary
Reporting period: 2026-03-01 to 2026-03-31
Currency: USD

Asset ID,Asset Title,ISRC,Owned Views,Partner Revenue
A1,Rainy Window,QZLF12650101,120000,12.345678
A3,Unknown Song,GBAYE0000001,500,0.50
"""


def test_finance_sees_payments_off_imports_a_statement_and_reads_the_report(live_server, settings, finance):
    settings.STRIPE_SECRET_KEY = ""
    licensable_track(title="Rainy Window", isrc="QZLF12650101")
    with chromium_page("finance") as page:
        log_in(page, live_server.url, "finance")
        alarm = page.locator(".cockpit-panel-bad")
        assert "Payments are off" in alarm.inner_text()
        assert alarm.evaluate("el => getComputedStyle(el.querySelector('h2')).backgroundColor") == "rgb(198, 40, 40)"
        assert page.locator(".cockpit-panel").first.inner_text().startswith("Payments are off")  # first on screen

        page.goto(live_server.url + "/admin/monetization/statementimport/add/")
        page.get_by_label("Source").select_option("youtube")
        page.get_by_label("Month covered").fill("2026-03-01")
        page.get_by_label("File").set_input_files(
            {"name": "yt-2026-03.csv", "mimeType": "text/csv", "buffer": YOUTUBE_REPORT}
        )
        page.get_by_role("button", name="Import").click()
        page.get_by_text("GBAYE0000001").first.wait_for()  # the unmatched ISRC is named

        page.goto(live_server.url + "/admin/monetization/ledgerentry/report/?month=2026-03&group=source")
        report = page.locator("#content").inner_text()
        assert "YouTube\tUSD" in report and "$12.85" in report  # matched and unmatched rows both booked


# --- VA ----------------------------------------------------------------------------------------------------


def test_va_dashboard_links_work_my_work_lists_the_upload_and_a_step_is_ticked(live_server, editor, va):
    distrokid = PlatformAccountFactory(name="DistroKid", platform=Platform.DISTROKID)
    release = make_complete(build_release(title="Quiet Harbour"), editor, accounts=[distrokid])
    release.release_date = timezone.localdate() + dt.timedelta(days=5)
    release.save()
    distribution_services.release_mark_ready(release=release, actor=editor)
    distribution_services.release_schedule(release=release, actor=editor)

    with chromium_page("va") as page:
        log_in(page, live_server.url, "va")
        assert page.get_by_role("link", name="Render a new track").count() == 0  # not theirs to use
        links = page.locator("#cockpit-panels a").evaluate_all("els => els.map(a => a.href)")
        assert links, "the VA's dashboard shows no links at all"
        for href in sorted(set(links)):
            response = page.goto(href)
            assert response.status == 200, href
            assert "You cannot open this page" not in page.content(), href

        page.goto(live_server.url + reverse("admin:operations_workitem_changelist"))
        steps = page.locator("#result_list").inner_text()
        assert "Upload the package to the DistroKid web form" in steps
        assert "DDEX" not in steps and "Bandcamp" not in steps  # only the steps of this release's targets
        page.get_by_role("link", name="Download the delivery package").click()
        page.get_by_label("Done").check()
        page.get_by_role("button", name="Save", exact=True).click()
        assert "was changed successfully" in page.locator(".messagelist").inner_text()
        page.goto(live_server.url + reverse("admin:operations_workitem_changelist") + "?state=done")
        assert "Download the delivery package" in page.locator("#result_list").inner_text()


# --- Editor ------------------------------------------------------------------------------------------------


def _run_render_in_background(job_id: int) -> threading.Thread:
    def run():
        try:
            render_job_run_task(job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_editor_brief_render_approve_release_readiness_schedule_calendar_public_page(live_server, editor):
    artist = ArtistFactory(name="Mellow Fox", slug="mellow-fox")
    MoodFactory(slug="chill", name="Chill")
    youtube = PlatformAccountFactory(name="Main channel", platform=Platform.YOUTUBE)  # not connected yet

    with chromium_page("editor") as page:
        log_in(page, live_server.url, "editor")
        page.get_by_role("link", name="Render a new track").click()
        page.locator("#id_title").fill("Browser Dusk")
        page.locator("#id_bpm").fill("80")
        page.locator("#id_key").fill("A minor")
        page.locator("#id_duration_s").fill("6")
        page.get_by_role("button", name="Save", exact=True).click()
        job = RenderJob.objects.get(title="Browser Dusk")
        page.goto(live_server.url + reverse("admin:production_renderjob_changelist"))
        row = page.locator("#result_list tbody tr").first
        assert "waiting for a worker" in row.inner_text()

        # The worker runs now; the page follows by itself (no reload by the test) to the finished job.
        rendering = _run_render_in_background(job.pk)
        page.locator("#result_list").get_by_text("Succeeded").first.wait_for(timeout=90_000)
        rendering.join(timeout=60)
        job.refresh_from_db()
        assert job.status == RenderJob.Status.SUCCEEDED

        page.locator("#result_list a[href*='/catalog/track/']", has_text="Browser Dusk").click()
        page.get_by_role("button", name="Approve this track").click()
        assert "“Browser Dusk” is approved." in page.locator(".messagelist").inner_text()
        track = Track.objects.get(pk=job.track_id)
        assert track.status == Track.Status.APPROVED

        track_fingerprint_task(track.pk)  # the worker's duplicate check, queued by the render

        # A release of it with a cover, going to the unconnected channel.
        track.refresh_from_db()
        track.artist = artist
        track.save()
        catalog_services.track_assign_isrc(track=track)
        release = catalog_services.release_create(
            title="Dusk Single", artist=artist, kind=Release.Kind.SINGLE, upc="036000291452"
        )
        release.release_date = timezone.localdate() + dt.timedelta(days=3)
        release.save()
        catalog_services.release_set_tracks(release=release, tracks=[track])
        release.artwork.save("cover.jpg", _cover(3000), save=True)
        make_complete(release, editor, accounts=[youtube])
        tick_release_qa(release, editor)

        page.goto(live_server.url + reverse("admin:catalog_release_change", args=[release.pk]))
        assert page.get_by_role("img", name="Cover of Dusk Single").evaluate("img => img.naturalWidth") > 0
        readiness = page.locator(".field-readiness")
        assert "YouTube: Main channel is not connected" in readiness.inner_text()
        readiness.get_by_role("link", name="Fix the account").click()
        assert "not connected" in page.locator(".field-connection").inner_text()

        # Connected (what the OAuth callback stores): readiness agrees, the release is marked ready and scheduled.
        youtube.credentials_encrypted = "stored"
        youtube.external_account_name = "Lantern LoFi"
        youtube.save()
        page.goto(live_server.url + reverse("admin:catalog_release_change", args=[release.pk]))
        assert "Everything is in place" in page.locator(".field-readiness").inner_text()
        page.get_by_role("button", name="Mark ready").click()
        page.get_by_role("button", name="Schedule publishing").click()
        assert "Scheduled" in page.locator(".messagelist").inner_text()
        release.refresh_from_db()
        assert release.status == Release.Status.SCHEDULED

        page.goto(live_server.url + calendar_url(view="month", day=release.release_date))
        assert "Dusk Single" in page.locator("#content").inner_text()

        # Release day: YouTube made it public; the release is out and its public page is "View on site".
        publication = Publication.objects.get(release=release)
        publication.status = Publication.Status.PUBLISHED
        publication.scheduled_at = timezone.now() - dt.timedelta(minutes=1)
        publication.external_url = "https://www.youtube.com/watch?v=dusk"
        publication.save()
        release.release_date = timezone.localdate()
        release.save()
        distribution_services.release_refresh_published(release=release)
        page.goto(live_server.url + reverse("admin:catalog_release_change", args=[release.pk]))
        page.get_by_role("link", name="View on site").click()
        page.wait_for_url(f"**/releases/{release.slug}/")
        assert page.locator("h1").inner_text() == "Dusk Single"
        assert "Browser Dusk" in page.locator(".release-tracks").inner_text()
        assert page.get_by_role("link", name="Listen on YouTube").count() == 1
        assert ReleaseMedia.objects.filter(release=release).exists()
