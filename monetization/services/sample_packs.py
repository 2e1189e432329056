"""Sample packs: the sale details, and building the pack's zip and demo from its tracks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from lofi_site.actors import Actor
from lofi_site.queue import enqueue
from monetization.audit_verbs import SalesVerb
from monetization.models import LicenceTier, SamplePack, SamplePackItem
from monetization.services.tiers import audit_priced
from operations.services import audit_log


@transaction.atomic
def sample_pack_save(*, pack: SamplePack, actor: Actor) -> SamplePack:
    """Save a pack's sale details from the cockpit; price changes are audited."""
    if pack.tier_id and pack.tier.scope != LicenceTier.Scope.PACK:
        raise ValidationError({"tier": "Choose a sample-pack licence tier."})
    before = SamplePack.objects.select_for_update().filter(pk=pack.pk).first() if pack.pk else None
    pack.full_clean()
    pack.save()
    audit_priced(
        actor=actor,
        obj=pack,
        before=before,
        verbs=(SalesVerb.SAMPLE_PACK_CREATED, SalesVerb.SAMPLE_PACK_PRICE_CHANGED),
        what="sample pack",
        name=pack.title,
    )
    return pack


@transaction.atomic
def sample_pack_request_build(*, pack: SamplePack, actor: Actor) -> SamplePack:
    """Queue a (re)build of the pack's files. A pack already building is left alone."""
    pack = SamplePack.objects.select_for_update().get(pk=pack.pk)
    if pack.status == SamplePack.Status.BUILDING:
        return pack
    if not pack.tracks.exists():
        raise ValidationError("Add at least one catalogue track to the pack before building it.")
    pack.status = SamplePack.Status.BUILDING
    pack.build_error = ""
    pack.save(update_fields=["status", "build_error", "updated_at"])
    audit_log(
        actor=actor, verb=SalesVerb.SAMPLE_PACK_BUILD_REQUESTED, obj=pack, summary=f"Build of {pack.title} queued."
    )
    enqueue("monetization.tasks.sample_pack_build_task", pack.pk)
    return pack


def sample_pack_build(*, pack: SamplePack) -> SamplePack:
    """Cut the pack from its tracks and store the zip and demo (see monetization.packs). Heavy work runs
    outside any transaction; the result is recorded atomically, replacing the previous build's files."""
    from monetization import packs  # librosa is slow to import: only the worker pays for it

    try:
        result = packs.pack_build(pack)
    except Exception as error:
        _sample_pack_build_failed(pack=pack, error=error)
        raise
    return _sample_pack_build_record(pack=pack, result=result)


@transaction.atomic
def _sample_pack_build_record(*, pack: SamplePack, result) -> SamplePack:
    pack = SamplePack.objects.select_for_update().get(pk=pack.pk)
    old_archive, old_demo = pack.archive_path, pack.demo_path
    pack.items.all().delete()
    for item in result.items:
        item.pack = pack
        item.full_clean(exclude=["pack"])
    SamplePackItem.objects.bulk_create(result.items)
    pack.archive_path, pack.archive_size_bytes = result.archive_path, result.archive_size_bytes
    pack.demo_path = result.demo_path
    pack.status, pack.build_error, pack.built_at = SamplePack.Status.READY, "", timezone.now()
    pack.save()
    audit_log(
        actor=None,
        verb=SalesVerb.SAMPLE_PACK_BUILT,
        obj=pack,
        summary=f"Built {pack.title}: {len(result.items)} files, {result.archive_size_bytes} bytes.",
    )

    def remove_old_files():
        for storage_name, path in (("private", old_archive), ("default", old_demo)):
            if path and path not in (result.archive_path, result.demo_path):
                storages[storage_name].delete(path)

    transaction.on_commit(remove_old_files)
    return pack


@transaction.atomic
def _sample_pack_build_failed(*, pack: SamplePack, error: Exception) -> None:
    SamplePack.objects.filter(pk=pack.pk).update(
        status=SamplePack.Status.FAILED, build_error=str(error)[:2000], updated_at=timezone.now()
    )
    audit_log(actor=None, verb=SalesVerb.SAMPLE_PACK_BUILD_FAILED, obj=pack, summary=f"Build failed: {error}"[:500])
