"""The revenue ledger: storefront sales and refunds, and imported YouTube and distributor statements."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction

from catalog.models import Track
from lofi_site.actors import Actor
from monetization import selectors
from monetization.audit_verbs import SalesVerb
from monetization.engine import statements
from monetization.models import LedgerEntry, Order, OrderLine, StatementImport
from operations.services import audit_log


def ledger_sale_book(*, order: Order, line: OrderLine, booked_on: dt.date) -> None:
    """Book a paid order line as a storefront sale, once (keyed by order and line)."""
    ledger_entry_book(
        order=order,
        line=line,
        kind=LedgerEntry.Kind.SALE,
        amount_minor=line.unit_amount_minor,
        booked_on=booked_on,
        external_ref=f"sale:{order.uuid}:{line.pk}",
        description=line.description,
    )


def ledger_entry_book(
    *,
    order: Order,
    line: OrderLine,
    kind: str,
    amount_minor: int,
    booked_on: dt.date,
    external_ref: str,
    description: str,
) -> LedgerEntry:
    """One storefront ledger entry, created once per `external_ref`: a replayed event books nothing twice."""
    existing = LedgerEntry.objects.filter(source=LedgerEntry.Source.STOREFRONT, external_ref=external_ref).first()
    if existing is not None:
        return existing
    track: Track | None = line.track
    entry = LedgerEntry(
        booked_on=booked_on,
        source=LedgerEntry.Source.STOREFRONT,
        kind=kind,
        amount_minor=amount_minor,
        currency=order.currency,
        track=track,
        pack=line.pack,
        release=selectors.track_primary_release(track) if track else None,
        isrc=(track.isrc or "") if track else "",
        order=order,
        description=description[:300],
        external_ref=external_ref,
        units=1 if kind == LedgerEntry.Kind.SALE else None,
    )
    entry.full_clean()
    entry.save()
    return entry


def _statement_description(record: StatementImport, total: statements.StatementTotal) -> str:
    stores = ", ".join(sorted(total.stores))
    return f"{record.get_source_display()} {total.month:%Y-%m} {stores}".strip()[:300]


@transaction.atomic
def statement_import(
    *, source: str, period: dt.date, currency: str, file: BinaryIO, file_name: str, actor: Actor
) -> StatementImport:
    """Import a YouTube or distributor revenue CSV into the ledger, one entry per ISRC, month and currency.

    The file is kept privately and read once, streaming (reports run to millions of rows). Rows are matched
    to tracks by ISRC; unmatched ISRCs still get entries (money is never dropped) and are listed on the
    import.
    The same file cannot be imported twice.
    """
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(1024 * 1024):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    if StatementImport.objects.filter(sha256=sha256).exists():
        raise ValidationError("This exact file has already been imported.")
    file.seek(0)
    result = statements.statement_parse(file, default_currency=currency, default_month=period.replace(day=1))
    file.seek(0)
    path = storages["private"].save(f"statements/{source}/{period:%Y-%m}/{file_name}", File(file, name=file_name))
    record = StatementImport(
        source=source,
        period=period.replace(day=1),
        currency=currency,
        file_name=file_name[:255],
        file_path=path,
        sha256=sha256,
        rows_read=result.rows_read,
        rows_skipped=result.rows_skipped,
        imported_by=actor if actor and actor.pk else None,
    )
    record.full_clean()
    try:
        record.save()
    except IntegrityError as error:  # the same file imported at the same moment
        raise ValidationError("This exact file has already been imported.") from error
    tracks = {t.isrc: t for t in Track.objects.filter(isrc__in={t.isrc for t in result.totals})}
    releases = selectors.primary_releases([t.pk for t in tracks.values()])
    unmatched, matched_rows, unmatched_rows = set(), 0, 0
    entries = []
    for total in result.totals:
        track = tracks.get(total.isrc)
        if track is None:
            unmatched.add(total.isrc)
            unmatched_rows += total.rows
        else:
            matched_rows += total.rows
        entry = LedgerEntry(
            booked_on=total.month,
            source=source,
            kind=LedgerEntry.Kind.ROYALTY,
            amount_minor=total.amount_minor,
            currency=total.currency,
            track=track,
            release=releases.get(track.pk) if track else None,
            isrc=total.isrc,
            units=total.units,
            statement=record,
            description=_statement_description(record, total),
            external_ref=f"{sha256[:20]}:{total.isrc}:{total.month:%Y-%m}:{total.currency}",
        )
        entry.full_clean(validate_unique=False, validate_constraints=False)  # one query per row otherwise
        entries.append(entry)
    LedgerEntry.objects.bulk_create(entries)
    record.rows_matched, record.rows_unmatched = matched_rows, unmatched_rows
    record.unmatched_isrcs = sorted(unmatched)
    record.save(update_fields=["rows_matched", "rows_unmatched", "unmatched_isrcs", "updated_at"])
    audit_log(
        actor=actor,
        verb=SalesVerb.LEDGER_STATEMENT_IMPORTED,
        obj=record,
        summary=f"Imported {record}: {len(entries)} entries, {len(unmatched)} unmatched ISRC(s).",
    )
    return record
