"""HTML pieces several production screens share: the cockpit stylesheet, progress bars, JSON blocks, track links."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from django.urls import reverse
from django.utils.html import format_html

COCKPIT_CSS = {"all": ["cockpit/cockpit.css"]}


def progress_bar(percent: float | None, *, failed: bool = False):
    value = round(percent or 0)
    return format_html(
        '<span class="progress{}" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        'aria-valuenow="{}" title="{}%"><span style="width: {}%"></span></span> {}%',
        " failed" if failed else "",
        value,
        value,
        value,
        value,
    )


LIVE_JS = ["cockpit/live_progress.js"]


def live_progress(job) -> str:
    """A render job's progress bar, status and time left; refreshed in place while the job is unfinished
    (static/cockpit/live_progress.js polls production.progress)."""
    from production.progress import FINISHED, eta_text

    failed = job.status == job.Status.FAILED
    value = round(job.progress or 0)
    eta = eta_text(job)
    return format_html(
        '<span class="live-progress"{}><span class="progress{}" role="progressbar" aria-valuemin="0" '
        'aria-valuemax="100" aria-valuenow="{}"><span style="width: {}%"></span></span> '
        '<span class="progress-value">{}%</span><span class="progress-eta">{}</span></span>',
        format_html(
            ' data-live-job="{}" data-live-endpoint="{}"', job.pk, reverse("admin:production_renderjob_progress")
        )
        if job.status not in FINISHED
        else "",
        " failed" if failed else "",
        value,
        value,
        value,
        eta,
    )


def settings_dict(settings) -> dict:
    """An engine settings dataclass as JSON-ready values (its per-part maps are read-only mapping proxies)."""
    return {
        f.name: dict(value) if isinstance(value := getattr(settings, f.name), Mapping) else value
        for f in dataclasses.fields(settings)
    }


def pretty_json(value) -> str:
    return format_html('<pre class="cockpit-json">{}</pre>', json.dumps(value, indent=2, sort_keys=True))


def track_link(track) -> str:
    if track is None:
        return "—"
    return format_html('<a href="{}">{}</a>', reverse("admin:catalog_track_change", args=[track.pk]), track.title)
