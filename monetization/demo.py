"""Demo seed step of the sales app (lofi_site/demo.py): something to browse, hear and buy on `make run`."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from catalog import services as catalog_services
from catalog.models import Asset, Track
from lofi_site.demo import Out, demo_step
from monetization import selectors, services, tasks
from monetization.models import LicenceTier, SamplePack

DEMO_PACK_SLUG = "demo-night-shift"


@demo_step(order=80)
def storefront_demo(out: Out) -> None:
    """On a fresh install only: approve the rendered demo tracks that passed QC and offer them for licensing
    before release (no demo release is out), so the storefront has music to license; then cut a sample pack
    from up to two of them (built here, synchronously, by the real builder). Later runs change nothing: tracks
    an editor renders afterwards are never approved by this step."""
    if not selectors.storefront_tracks().exists():
        candidates = Track.objects.filter(
            status__in=[Track.Status.DRAFT, Track.Status.APPROVED],
            source=Track.Source.GENERATED,
            qc_passed=True,
            assets__kind=Asset.Kind.MASTER,
        ).distinct()
        for track in candidates:
            try:
                track = catalog_services.track_approve(track=track)
            except ValidationError as error:
                out(f"  {track.title!r} stays a draft: {' '.join(error.messages)}")
                continue
            # No release of the demo is out, so they are offered before release (as an editor would tick it).
            catalog_services.track_update(track=track, licensable_before_release=True)
            out(f"  approved {track.title!r} and offered it for licensing before release")
    pack = SamplePack.objects.filter(slug=DEMO_PACK_SLUG).first()
    if pack is not None and pack.status == SamplePack.Status.READY:
        out(f"  sample pack {pack.title!r} is on sale ({pack.items.count()} files)")
        return
    sources = list(selectors.storefront_tracks().filter(assets__kind=Asset.Kind.STEM).distinct()[:2])
    if not sources:
        out("  no licensable track with stems yet: no demo sample pack")
        return
    if pack is None:
        pack = services.sample_pack_save(
            pack=SamplePack(
                slug=DEMO_PACK_SLUG,
                title="Night Shift Sample Pack",
                code="NIGHT",
                tier=LicenceTier.objects.get(slug="sample-pack"),
                price_minor=1900,
                loop_bars=4,
                is_published=True,
                description="Loops, one-shots and MIDI cut from the label's demo tracks.",
            ),
            actor=None,
        )
    pack.tracks.set(sources)
    services.sample_pack_request_build(pack=pack, actor=None)
    tasks.sample_pack_build_task(pack.pk)  # the queued copy of this task finds the pack built and returns
    pack.refresh_from_db()
    out(f"  sample pack {pack.title!r}: {pack.get_status_display()} {pack.build_error}".rstrip())
