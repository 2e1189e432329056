"""Demo seed step of community (see lofi_site/demo.py): the standard reply templates. No comments, requests or
subscribers are invented: those come from YouTube and from listeners."""

from __future__ import annotations

from community import services
from lofi_site.demo import Out, demo_step


@demo_step(order=70)
def reply_templates(out: Out) -> None:
    created = services.reply_templates_ensure()
    out(f"  {len(created)} reply template(s) created" if created else "  reply templates already there")
