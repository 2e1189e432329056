"""Demo seed step of production (see lofi_site/demo.py): a few short tracks rendered by the real engine."""

from __future__ import annotations

from lofi_site.demo import Out, demo_step
from production import services
from production.models import RenderJob


@demo_step(order=50)
def render_demo_tracks(out: Out) -> None:
    """Render the demo briefs (about 25 s each) unless their tracks exist already."""
    for job in services.demo_tracks_render():
        if job.status == RenderJob.Status.SUCCEEDED and job.track is not None:
            seconds = sum(job.timings.get(stage, 0) for stage in ("render_total", "encode", "store"))
            qc = "passed" if job.track.qc_passed else "FAILED"
            out(f"  {job.track.title!r} ({job.brief_summary}): QC {qc}, {seconds:.1f} s")
        else:
            out(f"  render failed for {job.brief_summary}: {job.error}")
