"""Input bounds: every pack and history value is small enough to handle in bounded time and memory.

A policy pack is a few hundred kilobytes of YAML; a subject is a few kilobytes of
JSON.  Anything far beyond that is refused before the expensive step (YAML
composition, pydantic validation, decimal formatting) instead of being processed
for minutes.  The figures are promises tested in ``tests/test_limits.py`` and
``tests/fuzz``: a pack is accepted or refused in at most 2 s of CPU and 200 MB.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from medcredit.diagnostics.problems import YamlPath

#: Significant digits a number may have (money to the fen, scores to many decimals fit easily).
MAX_DIGITS = 32
#: Largest magnitude of a number's decimal exponent (1e32 and 1e-32 are the extremes).
MAX_EXPONENT = 32

_NUMBER = re.compile(r"^\s*[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?\s*$")
_SHORT = 24


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """Size bounds of one YAML document, checked before and while it is composed."""

    max_bytes: int
    max_nodes: int
    max_depth: int
    max_scalar: int
    max_anchors: int


#: A policy pack (bundled packs are 40-70 KB and a few thousand nodes).
PACK_LIMITS = YamlLimits(max_bytes=1024 * 1024, max_nodes=50_000, max_depth=64, max_scalar=64 * 1024, max_anchors=1000)
#: Any other YAML or JSON document (histories, schedules, case files).
DOCUMENT_LIMITS = YamlLimits(
    max_bytes=64 * 1024 * 1024, max_nodes=2_000_000, max_depth=64, max_scalar=1024 * 1024, max_anchors=10_000
)


def number_problem(value: Any) -> str | None:
    """Why ``value`` (a number, or text that reads as one) is out of bounds, or None if it is fine."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) <= _SHORT and "e" not in value and "E" not in value:
            return None  # the common case, decided without a regex: too short to exceed the bounds
        if not _NUMBER.match(value):
            return None
        if len(value) > 4 * MAX_DIGITS:
            return f"number has more than {MAX_DIGITS} significant digits"
        try:
            value = Decimal(value.replace("_", "").strip())
        except InvalidOperation:
            return None
    if isinstance(value, int):
        if value.bit_length() > 4 * MAX_DIGITS:  # cheap, before any decimal conversion
            return f"number has more than {MAX_DIGITS} digits"
        value = Decimal(value)
    if isinstance(value, float):
        value = Decimal(repr(value)) if value == value and abs(value) != float("inf") else Decimal("NaN")
    if not isinstance(value, Decimal):
        return None
    if not value.is_finite():
        return None  # NaN/Infinity are refused by each numeric field with its own message
    if value.is_zero():
        return None
    if len(value.as_tuple().digits) > MAX_DIGITS:
        return f"number has more than {MAX_DIGITS} significant digits"
    if abs(value.adjusted()) > MAX_EXPONENT:
        return f"number is out of range (its magnitude must lie between 1e-{MAX_EXPONENT} and 1e{MAX_EXPONENT})"
    return None


def has_surrogate(text: str) -> bool:
    """True if ``text`` holds a lone UTF-16 surrogate (not encodable, never valid text)."""
    # A surrogate code point is exactly what UTF-8 cannot encode, and the codec finds it in a
    # fraction of the time the regular expression takes on a line of Chinese text (every JSONL line).
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def scalar_problems(data: Any, path: YamlPath = (), *, max_depth: int = 64) -> Iterator[tuple[YamlPath, str, str]]:
    """(path, code, message) for every out-of-bounds scalar in already parsed data (JSON histories).

    Walks iteratively, so a deeply nested document cannot exhaust the stack.
    """
    stack: list[tuple[YamlPath, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if len(where) - len(path) > max_depth:
            yield where, "too-deep", f"nested more than {max_depth} levels"
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and has_surrogate(key):
                    yield where, "surrogate", "a key holds a lone surrogate character (not valid Unicode text)"
                    continue
                stack.append(((*where, key), item))
        elif isinstance(value, list):
            stack.extend(((*where, i), item) for i, item in enumerate(value))
        elif isinstance(value, str):
            # text is not read as a number here: each numeric field bounds its own input
            if has_surrogate(value):
                yield where, "surrogate", "text holds a lone surrogate character (not valid Unicode text)"
        else:
            reason = number_problem(value)
            if reason is not None:
                yield where, "number-range", reason


def decimal_text(value: Decimal) -> str:
    """Plain notation (``12.50``) for any number within the bounds; scientific beyond them.

    ``format(v, "f")`` of ``1e999999999`` would build a billion-character string: the
    bounds make such a value impossible in a loaded pack, and this keeps rendering
    bounded even for values computed from it.
    """
    if value.is_finite() and abs(value.adjusted()) > 2 * MAX_EXPONENT:
        return str(value)
    return format(value, "f")
