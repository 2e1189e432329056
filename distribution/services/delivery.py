"""Delivery packages: a release as a distributor receives it (DDEX ERN 4.3 XML, 16-bit/44.1 kHz WAVs, the
cover and a CSV in one zip), built with distribution/platforms/ddex.py and kept in private storage.

Stores without an upload API (DistroKid, Bandcamp) get the same package: the VA uploads its files by hand
following the "manual-upload" checklist and copies the metadata from the publication's page.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Release
from distribution import selectors
from distribution.audit_verbs import DistributionVerb
from distribution.models import DeliveryPackage, MetadataPlatform, PlatformAccount, ReleaseMetadata
from distribution.platforms import ddex
from lofi_site.actors import Actor
from lofi_site.files import PRIVATE, PUBLIC, local_copy, store_file
from lofi_site.queue import enqueue
from operations.services import audit_log
from production.engine.audio_io import sha256_file

_T = TypeVar("_T")

DELIVERY_TASK = "distribution.tasks.delivery_package_build_task"


def _party_ids(account: PlatformAccount) -> tuple[str, str]:
    sender = account.config.get("sender_dpid") or getattr(settings, "DDEX_SENDER_DPID", "")
    recipient = account.config.get("recipient_dpid", "")
    return sender, recipient


def delivery_package_blockers(release: Release, account: PlatformAccount) -> list[str]:
    """What keeps a package from being built, one sentence each; empty when it can be."""
    reasons = []
    if not release.upc:
        reasons.append("The release needs a UPC/EAN.")
    if release.release_date is None:
        reasons.append("The release needs a release date.")
    if not release.artwork:
        reasons.append("The release has no cover.")
    entries = selectors.release_tracks(release)
    if not entries:
        reasons.append("The release has no tracks.")
    for entry in entries:
        if not entry.track.isrc:
            reasons.append(f"Track {entry.position} '{entry.track.title}' has no ISRC.")
        if selectors.track_audio_asset(entry.track) is None:
            reasons.append(f"Track {entry.position} '{entry.track.title}' has no master audio file.")
    sender, recipient = _party_ids(account)
    if not sender:
        reasons.append(
            "Set the label's DDEX Party ID (setting DDEX_SENDER_DPID, or sender_dpid in the account's config)."
        )
    if not recipient:
        reasons.append(
            f"Set the recipient's DDEX Party ID (recipient_dpid in the config of the account '{account.name}')."
        )
    return reasons


@transaction.atomic
def delivery_package_request(*, release: Release, account: PlatformAccount, actor: Actor = None) -> DeliveryPackage:
    """Queue a (re)build of the release's package for `account`; its row shows "building" meanwhile."""
    package, _ = DeliveryPackage.objects.get_or_create(release=release, account=account)
    DeliveryPackage.objects.filter(pk=package.pk).update(
        status=DeliveryPackage.Status.BUILDING, error="", updated_at=timezone.now()
    )
    audit_log(
        actor=actor,
        verb=DistributionVerb.RELEASE_DELIVERY_PACKAGE_REQUESTED,
        obj=release,
        summary=f"Delivery package for {account.name} queued",
    )
    enqueue(DELIVERY_TASK, release.pk, account.pk)
    return package


def _required(value: _T | None, what: str) -> _T:
    """`value`, which delivery_package_blockers has already required; should it have gone meanwhile, the build
    stops with the reason rather than writing an incomplete package."""
    if value is None or value == "":
        raise ValidationError(f"{what} is missing.")
    return value


def delivery_package_build(*, release: Release, account: PlatformAccount) -> DeliveryPackage:
    """Convert the masters to 16-bit/44.1 kHz WAV, hash every file and zip XML, CSV, audio and cover into
    private storage as the release's package for `account` (replacing an earlier one).

    Raises ValidationError listing what is missing (UPC, date, cover, ISRCs, masters, DDEX Party IDs) before
    any work, or the packager's reason; the package row then says "failed" with it.
    """
    package, _ = DeliveryPackage.objects.get_or_create(release=release, account=account)
    blockers = delivery_package_blockers(release, account)
    if blockers:
        _failed(package, " ".join(blockers))
        raise ValidationError(blockers)
    entries = selectors.release_tracks(release)
    distributor = ReleaseMetadata.objects.filter(release=release, platform=MetadataPlatform.DISTRIBUTOR).first()
    sender, recipient = _party_ids(account)
    created_at = timezone.now()
    try:
        with contextlib.ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="delivery-")))
            sources = []
            for entry in entries:
                asset = _required(selectors.track_audio_asset(entry.track), f"Track {entry.position}'s master audio")
                sources.append(stack.enter_context(local_copy(asset.storage, asset.path)))
            cover = stack.enter_context(local_copy(PUBLIC, release.artwork.name))
            delivery = ddex.DeliveryRelease(
                title=distributor.title if distributor else release.title,
                artist=release.artist.name,
                upc=_required(release.upc, "The UPC"),
                label_name=settings.LABEL_NAME,
                release_date=_required(release.release_date, "The release date"),
                tracks=[
                    ddex.DeliveryTrack(
                        path=source,
                        title=entry.track.title,
                        artist=entry.track.artist.name,
                        isrc=_required(entry.track.isrc, f"Track {entry.position}'s ISRC"),
                        ai_generated=entry.track.is_ai_generated,
                    )
                    for entry, source in zip(entries, sources, strict=True)
                ],
                cover_path=cover,
                sender_dpid=sender,
                recipient_dpid=recipient,
                recipient_name=account.name,
                kind=release.kind,
                catalogue_number=release.catalogue_number or "",
                genre=release.genre,
                p_line=release.p_line,
                c_line=release.c_line,
            )
            zip_path = tmp / package.filename
            manifest = ddex.build_delivery_package(
                delivery, zip_path, created_at=created_at, message_id=f"{release.upc}-{package.uuid.hex[:12]}"
            )
            digest = sha256_file(zip_path)
            size = zip_path.stat().st_size
            stored = store_file(
                PRIVATE,
                f"releases/{release.uuid}/delivery/{package.filename}",
                zip_path,
                replace=package.path,
            )
    except ddex.DeliveryError as error:
        _failed(package, str(error))
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        package = DeliveryPackage.objects.select_for_update().get(pk=package.pk)
        package.status = DeliveryPackage.Status.READY
        package.path, package.sha256, package.size_bytes = stored, digest, size
        package.message_id = manifest.message_id
        package.manifest = [
            {"name": f.name, "kind": f.kind, "size_bytes": f.size_bytes, "sha256": f.sha256} for f in manifest.files
        ]
        package.error = ""
        package.built_at = created_at
        package.save()
        audit_log(
            actor=None,
            verb=DistributionVerb.RELEASE_DELIVERY_PACKAGE_BUILT,
            obj=release,
            summary=f"Delivery package for {account.name}: {len(manifest.files)} files, {size / 1_000_000:.1f} MB",
            changes={"message_id": manifest.message_id, "sha256": digest},
        )
    return package


def _failed(package: DeliveryPackage, error: str) -> None:
    DeliveryPackage.objects.filter(pk=package.pk).update(
        status=DeliveryPackage.Status.FAILED, error=error[:4000], updated_at=timezone.now()
    )
