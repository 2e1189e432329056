"""The lead magnet: the free zip confirmed subscribers download (upload checks, storage, audit)."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction

from community.audit_verbs import CommunityVerb
from community.models import LeadMagnet, validate_zip_archive
from lofi_site.actors import Actor
from lofi_site.files import safe_filename
from operations.services import audit_log

LEAD_MAGNET_MAX_BYTES = 2 * 1024**3  # a sample pack of WAV loops is large, but not this large


def lead_magnet_upload_check(upload: File) -> None:
    """Raise ValidationError unless `upload` is a readable .zip with files, at most LEAD_MAGNET_MAX_BYTES."""
    if not (upload.name or "").lower().endswith(".zip"):
        raise ValidationError("Upload a .zip file.")
    if upload.size > LEAD_MAGNET_MAX_BYTES:
        raise ValidationError(f"The zip is larger than {LEAD_MAGNET_MAX_BYTES // 1024**3} GB.")
    validate_zip_archive(upload)


def lead_magnet_save(*, magnet: LeadMagnet, actor: Actor, upload: File | None = None) -> LeadMagnet:
    """Save a lead magnet (headline, active flag) and, given `upload`, make that zip its download.

    Guarantees: the zip is checked (readable, at least one file, at most LEAD_MAGNET_MAX_BYTES) and the record
    validated (one active lead magnet) before anything is stored, raising ValidationError otherwise; the file
    goes to the private storage under a fresh name, so a download in progress keeps its file; the replaced file
    is deleted once the change is committed, and a new file is deleted again if the record cannot be saved. A
    new lead magnet needs a file.
    """
    if upload is None and not magnet.archive_path:
        raise ValidationError("Upload the zip subscribers will download.")
    if upload is not None:
        lead_magnet_upload_check(upload)
    magnet.full_clean()
    storage = storages["private"]
    old_path = magnet.archive_path
    new_path = ""
    if upload is not None:
        stem = PurePosixPath(safe_filename(upload.name or "")).stem
        name = f"{safe_filename(stem, default='free-pack', space='-', max_length=150)}.zip"
        new_path = storage.save(f"lead-magnets/{uuid.uuid4().hex[:12]}/{name}", upload)
        magnet.archive_path, magnet.archive_name, magnet.archive_size_bytes = new_path, name, upload.size
    created = magnet.pk is None
    try:
        with transaction.atomic():
            magnet.save()
            audit_log(
                actor=actor,
                verb=CommunityVerb.LEAD_MAGNET_CREATED if created else CommunityVerb.LEAD_MAGNET_CHANGED,
                obj=magnet,
                summary=f"{magnet.headline}: {magnet.archive_name}" + ("" if magnet.is_active else " (inactive)"),
            )
            if new_path and old_path and old_path != new_path:
                transaction.on_commit(lambda: storage.delete(old_path))
    except Exception:
        if new_path:
            storage.delete(new_path)
            magnet.archive_path = old_path
        raise
    return magnet
