"""Sales panels on the cockpit dashboard (money for Finance, pack builds for whoever edits packs) and the
revenue-per-source chart on the analytics page (lofi_site/analytics.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from lofi_site import charts
from lofi_site.analytics import AnalyticsChart, Period, analytics_chart
from lofi_site.dashboard import Panel, PanelRow, panel
from monetization import conf, selectors
from monetization.engine.money import exponent, format_money
from monetization.models import Licence, Order, SamplePack


def _money_text(totals: dict[str, int]) -> str:
    return ", ".join(format_money(v, c) for c, v in sorted(totals.items())) if totals else format_money(0, "usd")


@panel(order=5)
def payments_off(request) -> Panel | None:
    """A red panel for Finance and admins while no Stripe key is set: the storefront cannot take money."""
    if conf.payments_on() or not request.user.has_perm("monetization.view_order"):
        return None
    text = format_html(
        "<p><strong>Payments are off.</strong> STRIPE_SECRET_KEY is not set, so the storefront cannot take card "
        "payments: visitors are told so on their cart and asked to write to {}.</p>"
        "<p>To turn payments on, set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET in the server's environment "
        "(see the README's “Selling” section) and restart the site.</p>",
        conf.contact_email() or "the label",
    )
    return Panel("Payments are off", html=text, tone="bad")


@panel(order=30)
def sales(request) -> Panel | None:
    if not request.user.has_perm("monetization.view_order"):
        return None
    now = timezone.localtime()
    today = now.date()
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start_dt = day_start.replace(day=1)
    paid_today = Order.objects.filter(paid_at__gte=day_start).count()
    failed_today = Order.objects.filter(status=Order.Status.FAILED, updated_at__gte=day_start).count()
    refunds = Order.objects.filter(refunded_at__gte=month_start_dt).values("currency").annotate(n=Count("id"))
    revoked = Licence.objects.filter(status=Licence.Status.REVOKED, revoked_at__gte=month_start_dt).count()
    orders_url = reverse("admin:monetization_order_changelist")
    rows = [
        PanelRow(
            "Storefront revenue this month",
            _money_text(selectors.storefront_revenue(start=month_start, end=next_month)),
            reverse("admin:monetization_ledger_report") + f"?month={month_start:%Y-%m}&group=source",
            detail="Sales minus refunds, by currency",
        ),
        PanelRow(
            "Orders paid today",
            paid_today,
            f"{orders_url}?status__exact=paid",
            tone="ok" if paid_today else "",
        ),
        PanelRow(
            "Payments failed today",
            failed_today,
            f"{orders_url}?status__exact=failed",
            tone="warn" if failed_today else "",
        ),
        PanelRow("Refunded orders this month", sum(r["n"] for r in refunds), f"{orders_url}?status__exact=refunded"),
        PanelRow(
            "Licences revoked this month",
            revoked,
            reverse("admin:monetization_licence_changelist") + "?status__exact=revoked",
            tone="warn" if revoked else "",
        ),
    ]
    return Panel("Sales", rows, link_url=reverse("admin:monetization_ledger_report"), link_text="Revenue report")


@panel(order=36)
def sample_packs(request) -> Panel | None:
    if not request.user.has_perm("monetization.view_samplepack"):
        return None
    counts = dict(SamplePack.objects.values_list("status").annotate(n=Count("id")))
    url = reverse("admin:monetization_samplepack_changelist")
    rows = [
        PanelRow(
            label,
            counts.get(value, 0),
            f"{url}?status__exact={value}",
            tone="bad" if value == SamplePack.Status.FAILED and counts.get(value) else "",
        )
        for value, label in SamplePack.Status.choices
        if counts.get(value)
    ]
    return Panel("Sample packs", rows, empty_text="No sample packs yet.", link_url=url, link_text="All packs")


@analytics_chart(order=30)
def revenue_per_source(request, period: Period) -> AnalyticsChart | None:
    """Net revenue per source (storefront, YouTube, distributor) over the page's period, for ledger viewers."""
    if not request.user.has_perm("monetization.view_ledgerentry"):
        return None
    rows = selectors.revenue_by_source(start=period.start, end=period.end)
    # Mixed currencies are never added up: one bar per source and currency, each in its own unit.
    labels = [f"{row['label']} ({row['currency'].upper()})" for row in rows]
    bars = [
        (label, row["amount_minor"] / 10 ** exponent(row["currency"])) for label, row in zip(labels, rows, strict=True)
    ]
    svg = charts.bar_chart(
        bars,
        title=f"Revenue per source, last {period.days} days",
        value_format=lambda value: f"{value:,.2f}",
        empty_text="No revenue booked in this period.",
    )
    return AnalyticsChart(
        title="Revenue per source",
        svg=mark_safe(svg),  # lofi_site.charts escapes every string it draws
        rows=[
            (label, format_money(row["amount_minor"], row["currency"])) for label, row in zip(labels, rows, strict=True)
        ],
        help_text="Sales minus refunds, and platform royalties by the month they belong to.",
    )
