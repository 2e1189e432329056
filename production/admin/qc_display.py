"""A track's QC report as checks a person reads: each measurement, what is allowed and whether it passed.
The raw JSON stays available behind a toggle (the "Raw reports" section)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join

from production.engine.master import LOUDNESS_TOLERANCE_LU
from production.engine.qc import DURATION_TOLERANCE, MAX_EDGE_SILENCE_S, MAX_GAP_S, MAX_MONO_LOSS_DB, MIN_CORRELATION


def qc_checks(report: dict) -> list[tuple[str, str, str, bool]]:
    """(check, measured, allowed, passed) for each measurement the report holds; empty for no report."""
    rows: list[tuple[str, str, str, bool]] = []

    def has(*keys):
        return all(isinstance(report.get(k), int | float) for k in keys)

    if has("integrated_lufs", "target_lufs"):
        lufs, target = report["integrated_lufs"], report["target_lufs"]
        rows.append(
            (
                "Loudness",
                f"{lufs:.1f} LUFS",
                f"{target:.1f} ± {LOUDNESS_TOLERANCE_LU:g} LUFS",
                abs(lufs - target) <= LOUDNESS_TOLERANCE_LU,
            )
        )
    if has("true_peak_dbtp", "true_peak_ceiling_db"):
        peak, ceiling = report["true_peak_dbtp"], report["true_peak_ceiling_db"]
        rows.append(("True peak", f"{peak:.1f} dBTP", f"at most {ceiling:.1f} dBTP", peak <= ceiling))
    if has("clipped_samples"):
        rows.append(("Clipped samples", str(report["clipped_samples"]), "none", report["clipped_samples"] == 0))
    if has("leading_silence_s"):
        value = report["leading_silence_s"]
        rows.append(
            ("Silence at the start", f"{value:.1f} s", f"at most {MAX_EDGE_SILENCE_S:g} s", value <= MAX_EDGE_SILENCE_S)
        )
    if has("trailing_silence_s"):
        value = report["trailing_silence_s"]
        rows.append(
            ("Silence at the end", f"{value:.1f} s", f"at most {MAX_EDGE_SILENCE_S:g} s", value <= MAX_EDGE_SILENCE_S)
        )
    if has("longest_gap_s"):
        value = report["longest_gap_s"]
        rows.append(("Longest gap inside", f"{value:.1f} s", f"at most {MAX_GAP_S:g} s", value <= MAX_GAP_S))
    if has("phase_correlation"):
        value = report["phase_correlation"]
        rows.append(
            ("Stereo phase correlation", f"{value:.2f}", f"at least {MIN_CORRELATION:g}", value >= MIN_CORRELATION)
        )
    if has("mono_loss_db"):
        value = report["mono_loss_db"]
        rows.append(
            ("Level lost in mono", f"{value:.1f} dB", f"at most {MAX_MONO_LOSS_DB:g} dB", value <= MAX_MONO_LOSS_DB)
        )
    if has("duration_s", "expected_duration_s", "duration_error_pct"):
        error = report["duration_error_pct"]
        rows.append(
            (
                "Length",
                f"{report['duration_s']:.1f} s ({error:+.1f} %)",
                f"{report['expected_duration_s']:.1f} s ± {100 * DURATION_TOLERANCE:g} %",
                abs(error) <= 100 * DURATION_TOLERANCE,
            )
        )
    bands, ranges = report.get("band_energy_db") or {}, report.get("band_ranges_db") or {}
    for band, value in bands.items():
        low_high = ranges.get(band)
        if isinstance(value, int | float) and isinstance(low_high, list | tuple) and len(low_high) == 2:
            low, high = low_high
            rows.append(
                (f"Energy in the {band} band", f"{value:.1f} dB", f"{low:g} to {high:g} dB", low <= value <= high)
            )
    return rows


def qc_checks_html(report: dict) -> str:
    rows = qc_checks(report or {})
    if not rows:
        return "QC has not run yet."
    passed = sum(ok for *_, ok in rows)
    return format_html(
        '<p>{} of {} checks passed.</p><table class="qc-checks"><thead><tr><th scope="col">Check</th>'
        '<th scope="col">Measured</th><th scope="col">Allowed</th><th scope="col">Result</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        passed,
        len(rows),
        format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td class="tone-{}">{}</td></tr>',
            (
                (name, value, allowed, "ok" if ok else "bad", "pass" if ok else "FAIL")
                for name, value, allowed, ok in rows
            ),
        ),
    )
