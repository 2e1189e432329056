"""Money in integer minor units (cents), as Stripe counts it. No floats anywhere near a price."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Stripe's zero-decimal currencies: the amount is already in whole units (1000 JPY is 1000, not 100000).
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}

CURRENCY_CHOICES = [
    ("usd", "US dollar"),
    ("eur", "Euro"),
    ("gbp", "Pound sterling"),
    ("cad", "Canadian dollar"),
    ("aud", "Australian dollar"),
    ("jpy", "Japanese yen"),
]


def exponent(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL else 2


def format_money(amount_minor: int, currency: str) -> str:
    """12900, "usd" -> "$129.00"; negative amounts keep their sign in front ("-$5.00")."""
    currency = currency.lower()
    digits = exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    value = Decimal(abs(int(amount_minor))).scaleb(-digits)
    text = f"{value:,.{digits}f}"
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency.upper()}"


def parse_amount(text: str) -> Decimal:
    """A money figure from a report ("1,234.56", "$0.000123", "(12.00)" for a debit) as a Decimal."""
    cleaned = text.strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "").replace(" ", "")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    if not cleaned:
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {text!r}") from error
    return -value if negative else value


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal major units -> integer minor units, rounded half-to-even (banker's rounding, as ledgers do)."""
    return int(amount.scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def allocate(total_minor: int, weights: list[int]) -> list[int]:
    """Split `total_minor` in proportion to `weights`, exactly (largest remainder): a refund over lines."""
    weight_sum = sum(weights)
    if not weights:
        return []
    if weight_sum <= 0:
        shares = [0] * len(weights)
        shares[0] = total_minor
        return shares
    raw = [Decimal(total_minor) * w / weight_sum for w in weights]
    shares = [int(r) for r in raw]
    leftover = total_minor - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares
