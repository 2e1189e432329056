"""Platform revenue reports (YouTube, distributors) -> money per ISRC, month and currency. No Django here.

Reports differ in column names, delimiters and preambles; the parser finds the header row by its ISRC
column and the money column by a list of known names (DistroKid "Earnings (USD)", YouTube "Partner
Revenue", CD Baby "Subtotal", TuneCore "Total Earned", ...). Rows are streamed and summed, so memory grows
with the number of distinct ISRCs, not with the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from monetization.engine.money import parse_amount, to_minor

ISRC_COLUMNS = ("isrc", "asset isrc", "track isrc", "isrc code", "sound recording isrc")
AMOUNT_COLUMNS = (
    "partner revenue",
    "earnings (usd)",
    "earnings (eur)",
    "earnings (gbp)",
    "net revenue",
    "net payable",
    "total earned",
    "net earnings",
    "earnings",
    "royalty",
    "royalties",
    "subtotal",
    "amount",
    "revenue",
)
CURRENCY_COLUMNS = ("currency", "currency code", "payment currency", "reporting currency")
MONTH_COLUMNS = (
    "sale month",
    "reporting month",
    "sales month",
    "month",
    "period",
    "statement period",
    "day",
    "date",
    "reporting date",
)
UNITS_COLUMNS = ("quantity", "units", "streams", "owned views", "views", "plays")
STORE_COLUMNS = ("store", "service", "platform", "dsp", "retailer")
_ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


@dataclass
class StatementTotal:
    isrc: str
    month: dt.date
    currency: str
    amount: Decimal = Decimal(0)
    units: int = 0
    rows: int = 0
    stores: set[str] = field(default_factory=set)

    @property
    def amount_minor(self) -> int:
        return to_minor(self.amount, self.currency)


@dataclass
class StatementResult:
    rows_read: int
    rows_skipped: int
    totals: list[StatementTotal]
    skipped_reasons: list[str]


class StatementError(ValueError):
    """The file is not a report we can read; the message tells the uploader what is missing."""


def statement_parse(file: BinaryIO, *, default_currency: str, default_month: dt.date) -> StatementResult:
    """Sum a CSV/TSV report by (ISRC, month, currency).

    `default_currency` applies when there is no currency column (a "(USD)" in the money column's name wins
    over it); `default_month` when rows carry no parseable date. Rows without an ISRC or an amount are skipped
    and counted. Raises StatementError when no header with an ISRC and a money column is found.
    """
    text = _text_stream(file)
    sample = text.read(64 * 1024)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(_chain(sample, text), dialect)
    header = None
    for _ in range(50):  # YouTube reports may open with a few lines of report metadata
        row = next(reader, None)
        if row is None:
            break
        names = [cell.strip().lower() for cell in row]
        if any(name in ISRC_COLUMNS for name in names):
            header = names
            break
    if header is None:
        raise StatementError("No header row with an ISRC column was found in the first 50 lines.")
    col = {name: i for i, name in reversed(list(enumerate(header)))}
    isrc_i = _first(col, ISRC_COLUMNS)
    amount_name = next((name for name in AMOUNT_COLUMNS if name in col), None)
    if amount_name is None:
        raise StatementError(f"No money column found; expected one of: {', '.join(AMOUNT_COLUMNS)}.")
    amount_i = col[amount_name]
    header_currency = re.search(r"\(([a-z]{3})\)", amount_name)
    currency_i, month_i = _first(col, CURRENCY_COLUMNS), _first(col, MONTH_COLUMNS)
    units_i, store_i = _first(col, UNITS_COLUMNS), _first(col, STORE_COLUMNS)

    totals: dict[tuple, StatementTotal] = {}
    rows_read = rows_skipped = 0
    reasons: dict[str, int] = defaultdict(int)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        rows_read += 1
        isrc = _cell(row, isrc_i).replace("-", "").replace(" ", "").upper()
        if not _ISRC_RE.match(isrc):
            rows_skipped += 1
            reasons["no valid ISRC"] += 1
            continue
        try:
            amount = parse_amount(_cell(row, amount_i))
        except ValueError:
            rows_skipped += 1
            reasons["unreadable amount"] += 1
            continue
        currency = (
            _cell(row, currency_i).lower() or (header_currency.group(1) if header_currency else "") or default_currency
        ).lower()
        month = _month(_cell(row, month_i)) or default_month
        total = totals.setdefault((isrc, month, currency), StatementTotal(isrc, month, currency))
        total.amount += amount
        total.rows += 1
        units = _cell(row, units_i).replace(",", "")
        if units.lstrip("-").isdigit():
            total.units += int(units)
        store = _cell(row, store_i)
        if store and len(total.stores) < 20:
            total.stores.add(store[:40])
    return StatementResult(
        rows_read,
        rows_skipped,
        sorted(totals.values(), key=lambda t: (t.isrc, t.month)),
        [f"{n} row(s): {reason}" for reason, n in reasons.items()],
    )


def _text_stream(file: BinaryIO):
    head = file.read(4)
    file.seek(0)
    encoding = "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    # errors="replace": a stray Latin-1 byte in an artist name must not sink a whole statement.
    return io.TextIOWrapper(_Unclosable(file), encoding=encoding, errors="replace", newline="")


class _Unclosable(io.RawIOBase):
    """Lets TextIOWrapper read the caller's file without closing it when the wrapper goes away."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _chain(sample: str, rest):
    yield from io.StringIO(sample + rest.readline())
    yield from rest


def _first(col: dict[str, int], names: tuple[str, ...]) -> int | None:
    return next((col[name] for name in names if name in col), None)


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


@functools.lru_cache(maxsize=4096)  # a report repeats a handful of period strings millions of times
def _month(text: str) -> dt.date | None:
    """First day of the month in "2026-03", "2026-03-15", "202603", "20260315", "03/2026", "Mar 2026"."""
    text = text.strip()
    for pattern, fmt in (
        (r"^\d{4}-\d{2}$", "%Y-%m"),
        (r"^\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
        (r"^\d{6}$", "%Y%m"),
        (r"^\d{8}$", "%Y%m%d"),
        (r"^\d{2}/\d{4}$", "%m/%Y"),
        (r"^[A-Za-z]{3} \d{4}$", "%b %Y"),
        (r"^[A-Za-z]+ \d{4}$", "%B %Y"),
    ):
        if re.match(pattern, text):
            try:
                value = dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt)
            except ValueError:
                return None
            return value.date().replace(day=1)
    return None
