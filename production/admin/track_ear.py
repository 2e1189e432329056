"""An editor's ear on the Track page: what played each part, the form as a strip, the spectrum, and an A/B
comparison of two renders (two players, loudness-matched, one shared position).

The facts come from the render itself (`Track.analysis["render"]`, written by the render job); uploaded tracks
have none of them and the panels say so. The A/B page plays each track's master, streamed to staff who may
view tracks (masters are private files with no public URL).
"""

from __future__ import annotations

import mimetypes

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from catalog.models import Asset, Track
from lofi_site.media_views import ranged_response
from production.admin.display import COCKPIT_CSS
from production.engine.dsp import db_to_gain

# Section colours of the form strip, by the first letter of a section's name (intro, A, B, breakdown, outro...).
_SECTION_TONES = ("#8fb8c9", "#e0b36a", "#b58fc9", "#8fc99a", "#c98f8f", "#c9c18f")
_SPECTRUM_FLOOR_DB = -60.0


def _render_facts(track: Track) -> dict:
    return (track.analysis or {}).get("render") or {}


def instruments_table(track: Track):
    """Part by part: the voice, where it plays from (SoundFont file and preset, or the built-in synth)."""
    instruments = _render_facts(track).get("instruments") or {}
    if not instruments:
        return "Not recorded (an uploaded track, or a render from before instruments were recorded)."
    rows = []
    for part, source in sorted(instruments.items()):
        if source.get("origin") == "builtin":
            where = f"built-in synth ({source.get('synth', source.get('voice', ''))})"
        else:
            file_name = str(source.get("file", "")).rsplit("/", 1)[-1]
            where = (
                f"{file_name} · bank {source.get('bank', 0)} preset {source.get('preset', 0)} ({source.get('origin')})"
            )
        rows.append((part, source.get("voice", ""), where, str(source.get("sha256", ""))[:12]))
    body = format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td><code>{}</code></td></tr>", rows)
    return format_html(
        '<table class="ear-table"><thead><tr><th>Part</th><th>Voice</th><th>Plays from</th><th>sha256</th>'
        "</tr></thead><tbody>{}</tbody></table>",
        body,
    )


def form_strip(track: Track):
    """The sections as a strip, each as wide as it lasts, named and timed."""
    sections = _render_facts(track).get("sections") or []
    total = max((float(s.get("end_s", 0)) for s in sections), default=0.0)
    if not sections or total <= 0:
        return "Not recorded."
    cells = []
    for section in sections:
        start, end = float(section["start_s"]), float(section["end_s"])
        name = str(section.get("name", ""))
        tone = _SECTION_TONES[(ord(name[:1].lower() or "a") - ord("a")) % len(_SECTION_TONES)]
        cells.append(
            (
                f"{100 * (end - start) / total:.2f}",
                tone,
                f"{name}: bars {section.get('start_bar')}-{section.get('end_bar')}, {start:.1f}-{end:.1f} s",
                name,
            )
        )
    return format_html(
        '<div class="ear-form" role="img" aria-label="Form of the track">{}</div>',
        format_html_join(
            "",
            '<span class="ear-section" style="width:{}%;background:{}" title="{}">{}</span>',
            cells,
        ),
    )


def spectrum_chart(track: Track):
    """Third-octave long-term spectrum as bars (dB below the loudest band)."""
    bands = [b for b in (_render_facts(track).get("spectrum") or []) if b.get("db") is not None]
    if not bands:
        return "Not recorded."
    width, height, gap = 14, 90, 2
    bars = []
    for index, band in enumerate(bands):
        level = max(_SPECTRUM_FLOOR_DB, float(band["db"]))
        bar_height = height * (1 - level / _SPECTRUM_FLOOR_DB)
        hz = band["hz"]
        label = f"{hz / 1000:g}k" if hz >= 1000 else f"{hz:g}"
        bars.append(
            (
                index * (width + gap),
                f"{height - bar_height:.1f}",
                width,
                f"{bar_height:.1f}",
                f"{label} Hz: {band['db']} dB",
            )
        )
    svg_width = len(bands) * (width + gap)
    return format_html(
        '<svg class="ear-spectrum" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-label="Spectrum, third-octave bands from {} Hz to {} Hz">{}</svg>'
        '<div class="help">Third-octave bands from {} Hz (left) to {} Hz (right); dB below the loudest band.</div>',
        svg_width,
        height,
        svg_width,
        height,
        bands[0]["hz"],
        bands[-1]["hz"],
        format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#417690"><title>{}</title></rect>',
            bars,
        ),
        bands[0]["hz"],
        bands[-1]["hz"],
    )


def compare_candidates(track: Track):
    """Tracks worth comparing with this one: other renders of the same style first, then the rest."""
    return (
        Track.objects.exclude(pk=track.pk)
        .filter(assets__kind=Asset.Kind.MASTER)
        .exclude(status=Track.Status.ARCHIVED)
        .select_related("artist", "style")
        .order_by("-created_at")
        .filter(Q(style=track.style) | Q(source=track.source))
        .distinct()[:50]
    )


class TrackEarAdminMixin:
    """The "Editor's ear" section of the Track page and its A/B comparison page."""

    EAR_FIELDS = ("ear_instruments", "ear_form", "ear_spectrum", "ear_compare")

    @property
    def media(self):
        # The panels' styles (the form strip's widths, the tables) live in the cockpit stylesheet.
        return super().media + forms.Media(css=COCKPIT_CSS)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.EAR_FIELDS]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [*fieldsets, ("Editor's ear", {"fields": list(self.EAR_FIELDS)})]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="catalog_track_compare",
            ),
            path(
                "<path:object_id>/master-audio/",
                self.admin_site.admin_view(self.master_audio_view),
                name="catalog_track_master_audio",
            ),
            *super().get_urls(),
        ]

    def ear_instruments(self, obj: Track):
        return instruments_table(obj)

    ear_instruments.short_description = "Instruments"

    def ear_form(self, obj: Track):
        return form_strip(obj)

    ear_form.short_description = "Form"

    def ear_spectrum(self, obj: Track):
        return spectrum_chart(obj)

    ear_spectrum.short_description = "Spectrum"

    def ear_compare(self, obj: Track):
        if obj.asset(Asset.Kind.MASTER) is None:
            return "No master to compare."
        return format_html(
            '<a class="button" href="{}">Compare A/B with another render</a>',
            reverse("admin:catalog_track_compare", args=[obj.pk]),
        )

    ear_compare.short_description = "A/B"

    def _viewable_track(self, request, object_id) -> Track:
        track = get_object_or_404(Track.objects.select_related("artist", "style"), pk=object_id)
        if not self.has_view_permission(request, track):
            raise PermissionDenied
        return track

    def master_audio_view(self, request, object_id):
        """The track's master, streamed with Range support so the A/B players can seek."""
        track = self._viewable_track(request, object_id)
        master = track.asset(Asset.Kind.MASTER)
        if master is None:
            raise Http404("This track has no master.")
        content_type = mimetypes.guess_type(master.path)[0] or "audio/wav"
        return ranged_response(request, master.open(), master.size_bytes, content_type)

    def compare_view(self, request, object_id):
        """Two masters, A and B, on one position: loudness-matched by their measured integrated loudness."""
        track_a = self._viewable_track(request, object_id)
        candidates = list(compare_candidates(track_a))
        chosen = request.GET.get("with", "")
        track_b = next((t for t in candidates if str(t.pk) == chosen), None)
        if track_b is None and chosen:
            track_b = self._viewable_track(request, chosen) if chosen.isdigit() else None
        players = []
        for label, track in (("A", track_a), ("B", track_b)):
            if track is None:
                continue
            players.append(
                {
                    "label": label,
                    "track": track,
                    "src": reverse("admin:catalog_track_master_audio", args=[track.pk]),
                    "lufs": track.integrated_lufs,
                    "instruments": instruments_table(track),
                    "form": form_strip(track),
                    "spectrum": spectrum_chart(track),
                }
            )
        # Both play at the quieter one's loudness: the louder is turned down by the difference (an element's
        # volume can only attenuate), so the ear compares sound, not level.
        levels = [p["lufs"] for p in players if p["lufs"] is not None]
        quietest = min(levels) if len(levels) == len(players) and levels else None
        for player in players:
            reduction_db = (player["lufs"] - quietest) if quietest is not None else 0.0
            player["reduction_db"] = round(reduction_db, 1)
            player["volume"] = round(db_to_gain(-reduction_db), 4)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare A/B: {track_a.title}",
            "opts": self.model._meta,
            "original": track_a,
            "players": players,
            "candidates": candidates,
            "chosen": track_b.pk if track_b else None,
        }
        return TemplateResponse(request, "admin/production/track_compare.html", context)
