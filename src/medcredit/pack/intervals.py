"""Intervals with explicit end points, written as in mathematics: ``[65, 90)``.

The law states boundaries in words (巫山 第二十六条: "以上" includes the number,
"不足" excludes it); a pack writes each band as an interval whose brackets say
which ends are included, so no boundary is left implicit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from medcredit.io.limits import number_problem

_PATTERN = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])\s*$")
_INF = {"inf", "+inf", "∞", "+∞"}
_NINF = {"-inf", "-∞"}


@dataclass(frozen=True, slots=True)
class Interval:
    """A real interval; ``None`` bounds are infinite."""

    low: Decimal | None
    low_inclusive: bool
    high: Decimal | None
    high_inclusive: bool

    def contains(self, value: Decimal | int) -> bool:
        low, high = self.low, self.high
        if low is not None and (value < low or (value == low and not self.low_inclusive)):
            return False
        return not (high is not None and (value > high or (value == high and not self.high_inclusive)))

    def __str__(self) -> str:
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "+inf" if self.high is None else _fmt(self.high)
        return f"{'[' if self.low_inclusive else '('}{lo}, {hi}{']' if self.high_inclusive else ')'}"

    def describe_zh(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{_fmt(self.low)}{'以上' if self.low_inclusive else '以上（不含本数）'}")
        if self.high is not None:
            parts.append(f"{'不超过' if self.high_inclusive else '不足'}{_fmt(self.high)}")
        return "，".join(parts) or "任意值"


def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_interval(text: str) -> Interval:
    """Parse ``[a, b)`` style text; raise ValueError with a reason on bad input."""
    if not isinstance(text, str):
        raise ValueError("an interval is written as text such as '[65, 90)'")
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"'{text}' is not an interval; write e.g. '[65, 90)' ('[' includes, '(' excludes)")
    left, low_text, high_text, right = match.groups()
    low = _bound(low_text, infinite=_NINF)
    high = _bound(high_text, infinite=_INF)
    if low is None and left == "[":
        raise ValueError("-inf cannot be included: write '(-inf, ...'")
    if high is None and right == "]":
        raise ValueError("+inf cannot be included: write '..., +inf)'")
    if low is not None and high is not None and (low > high or (low == high and not (left == "[" and right == "]"))):
        raise ValueError(f"interval '{text}' is empty")
    return Interval(low, left == "[", high, right == "]")


def _bound(text: str, *, infinite: set[str]) -> Decimal | None:
    if text.lower() in infinite:
        return None
    reason = number_problem(text)
    if reason is not None:
        # checked before Decimal arithmetic or formatting: 1e400000000 would print 400 MB
        raise ValueError(f"'{text[:40]}': {reason}")
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not a finite number")
    return value
