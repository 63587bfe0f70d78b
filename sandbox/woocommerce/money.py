"""Money as integer hundredths (the store has 2 decimals) and WooCommerce's tax arithmetic.

Prices include VAT (Czech store), so a line's tax is split out of its gross
amount; line totals are net.  Strings are what the REST API shows ("12.30");
`dp` re-formats them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

STORE_DP = 2


def money(hundredths: int) -> str:
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_money(value) -> int:
    """'12.3' / 12.3 / '' -> hundredths (half up); raises ValueError on junk."""
    if value in (None, ""):
        return 0
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def with_dp(text: str, dp: int) -> str:
    """Re-round a money string to `dp` decimals (the `dp` query parameter)."""
    if dp == STORE_DP or text in ("", None):
        return text
    quantum = Decimal(1).scaleb(-dp) if dp > 0 else Decimal(1)
    return str(Decimal(text).quantize(quantum, rounding=ROUND_HALF_UP))


def split_tax(gross: int, rate_bp: int) -> tuple[int, int]:
    """(net, tax) of a gross amount at `rate_bp` (2100 = 21 %), tax rounded half up."""
    tax = (gross * rate_bp * 2 + (10000 + rate_bp)) // (2 * (10000 + rate_bp)) if gross >= 0 else \
        -split_tax(-gross, rate_bp)[1]
    return gross - tax, tax


def cents(text: str) -> int:
    """A money string this module wrote ('-12.30') -> hundredths, without Decimal (the hot path)."""
    return int(text.replace(".", ""))


def unrounded_tax(gross: int, rate_bp: int) -> str:
    """The line-level `taxes[].total`: WooCommerce keeps those unrounded ('1.125', '0.9'); 6 decimals here."""
    divisor = 10000 + rate_bp
    micro = (2 * abs(gross) * rate_bp * 10000 + divisor) // (2 * divisor)
    whole, frac = divmod(micro, 1_000_000)
    text = f"{whole}.{frac:06d}".rstrip("0").rstrip(".")
    return f"-{text}" if gross < 0 and micro else text
