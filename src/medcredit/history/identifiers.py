"""Check-character verification for Chinese entity and person identifiers.

Two identifiers appear throughout medical-insurance supervision records:

* **统一社会信用代码** (unified social credit code, "USCC"), GB 32100-2015:
  18 characters from the alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O,
  S, V, Z).  Position 1 is the registration-authority code, 2 the organisation
  category, 3–8 the administrative-division code (digits), 9–17 the
  organisation code (主体标识码) and 18 the check character
  ``C18 = 31 − MOD(Σ Ci·Wi, 31)`` with ``Wi = 3^(i−1) mod 31`` and 31 → 0.
  The weights are therefore ``1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28``.

  Positions 9–17 are a GB 11714 organisation code with its *own* check
  character at position 17 (weights ``3 7 9 10 5 8 4 2``, characters valued
  0–9 and A=10 … Z=35 — note: *not* the GB 32100 values — and
  ``C9 = 11 − MOD(Σ, 11)`` with 10 → ``X`` and 11 → ``0``).  That result is
  reported separately in :attr:`IdCheck.org_code_status`; it never changes
  :attr:`IdCheck.status`.  Because C18 detects every single-character
  substitution, an organisation-code failure on a code whose C18 is correct
  means at least two characters are wrong or the code was fabricated by a tool
  that only computed C18.

* **公民身份号码** (resident identity number), GB 11643-1999: 17 digits and a
  check character (0–9 or ``X``) computed with ISO 7064:1983 MOD 11-2, i.e.
  weights ``Wi = 2^(18−i) mod 11`` = ``7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2``
  and ``check = (12 − MOD(Σ, 11)) mod 11`` with 10 → ``X``.  Positions 7–14
  must be a real birth date no earlier than 1900-01-01 and not in the future.
  15-digit first-generation numbers (GB 11643-1989) are reported as malformed;
  they are not converted.

A wrong check character is :attr:`IdStatus.BAD_CHECK` (real registries contain
some — e.g. early pilot-region codes issued in Fujian), so callers can turn it
into a warning.  A wrong length, character or structure is
:attr:`IdStatus.MALFORMED`.  The ``check_*`` functions never raise, whatever
they are given.

Normalisation: surrounding whitespace (including the ideographic space
U+3000), zero-width spaces and byte-order marks are stripped and ASCII letters
are upper-cased.  Non-ASCII characters are left alone (and so make the value
malformed): full Unicode upper-casing would silently turn e.g. ``ﬀ`` into
``FF``.  Inputs longer than :data:`MAX_INPUT_CHARS` are not normalised in full;
their :attr:`IdCheck.value` is a truncated preview ending in ``…``.
"""

from __future__ import annotations

import string
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

__all__ = [
    "MAX_INPUT_CHARS",
    "MIN_BIRTH_YEAR",
    "ORG_CODE_WEIGHTS",
    "RESIDENT_ID_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "IdCheck",
    "IdKind",
    "IdStatus",
    "check_identifier",
    "check_resident_id",
    "check_uscc",
    "org_code_check_char",
    "resident_id_check_char",
    "resident_id_problem",
    "uscc_check_char",
    "uscc_problem",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015 code alphabet; a character's value is its index here."""

USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
"""GB 32100-2015 weights ``Wi = 3^(i−1) mod 31`` for positions 1–17."""

RESIDENT_ID_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
"""GB 11643-1999 / ISO 7064 MOD 11-2 weights ``Wi = 2^(18−i) mod 11``."""

ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714 weights for the eight body characters of an organisation code."""

MIN_BIRTH_YEAR = 1900
"""Birth dates before 1 January of this year are treated as malformed."""

MAX_INPUT_CHARS = 256
"""Longer inputs are rejected after looking only at a bounded prefix."""

_PREVIEW_CHARS = 40
_DIGITS = frozenset(string.digits)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_ORG_VALUE = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase)}
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

_USCC_STD = "GB 32100-2015"
_RID_STD = "GB 11643-1999"
_RID_ALGO = "GB 11643-1999 (ISO 7064 MOD 11-2)"
_RID_ALGO_ZH = "GB 11643-1999（ISO 7064 MOD 11-2）"
_ORG_STD = "GB 11714"


class IdKind(StrEnum):
    """Which identifier scheme a value was checked against."""

    USCC = "uscc"
    RESIDENT_ID = "resident_id"


class IdStatus(StrEnum):
    """Outcome of a check: valid, wrong check character, or not well-formed."""

    VALID = "valid"
    BAD_CHECK = "bad_check"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class IdCheck:
    """Result of checking one identifier.

    ``value`` is the normalised input (see the module docstring).  ``expected``
    is the correct check character when ``status`` is ``BAD_CHECK`` and
    ``None`` otherwise.  ``reason``/``reason_zh`` are one-line explanations.

    For a structurally well-formed USCC, ``org_code_status`` is ``VALID`` or
    ``BAD_CHECK`` for the GB 11714 check character at position 17 and
    ``org_code_expected`` is the character GB 11714 requires there when it is
    wrong; both are ``None`` for resident ids and malformed USCCs.  The
    organisation-code result is advisory and does not affect ``status``/``ok``.
    """

    kind: IdKind
    value: str
    status: IdStatus
    expected: str | None
    reason: str
    reason_zh: str
    org_code_status: IdStatus | None = None
    org_code_expected: str | None = None

    @property
    def ok(self) -> bool:
        """True when the check character (C18 / MOD 11-2) is correct."""
        return self.status is IdStatus.VALID


# --------------------------------------------------------------------------- helpers


def _show(ch: str) -> str:
    """Quote one character for a message, escaping anything unprintable."""
    shown = repr(ch)
    if "\uff01" <= ch <= "\uff5e":
        return f"{shown} (full-width; use the ASCII character)"
    return shown


def _show_zh(ch: str) -> str:
    shown = repr(ch)
    if "\uff01" <= ch <= "\uff5e":
        return f"{shown}（全角字符，应使用半角）"
    return shown


def _normalise(raw: object) -> tuple[str, str | None]:
    """Return ``(value, problem)``; ``problem`` is set when no check can run."""
    if not isinstance(raw, str):
        return "", f"expected a string, got {type(raw).__name__}"
    if len(raw) > MAX_INPUT_CHARS:
        head = raw[:_PREVIEW_CHARS].strip().strip(_INVISIBLE).translate(_ASCII_UPPER)
        return head + "…", f"input is {len(raw)} characters long"
    return raw.strip().strip(_INVISIBLE).strip().translate(_ASCII_UPPER), None


def _result(
    kind: IdKind,
    value: str,
    status: IdStatus,
    reason: str,
    reason_zh: str,
    expected: str | None = None,
    org_status: IdStatus | None = None,
    org_expected: str | None = None,
) -> IdCheck:
    return IdCheck(kind, value, status, expected, reason, reason_zh, org_status, org_expected)


def _malformed(kind: IdKind, value: str, reason: str, reason_zh: str) -> IdCheck:
    return _result(kind, value, IdStatus.MALFORMED, reason, reason_zh)


def _uscc_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_char(first8: str) -> str:
    total = sum(_ORG_VALUE[c] * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def _rid_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


# --------------------------------------------------------------------------- check chars


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a USCC.

    ASCII letters may be lower-case.  Raises :class:`ValueError` if
    ``first17`` is not exactly 17 characters of the GB 32100 alphabet.
    """
    body = first17.translate(_ASCII_UPPER)
    if len(body) != 17 or not all(c in _USCC_VALUE for c in body):
        raise ValueError(f"need 17 characters from {USCC_ALPHABET!r}, got {first17[:40]!r}")
    return _uscc_char(body)


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character for the first 8 characters of an organisation code.

    Characters are valued 0–9 and A=10 … Z=35; ASCII letters may be lower-case.
    Raises :class:`ValueError` unless ``first8`` is 8 ASCII digits/letters.
    """
    body = first8.translate(_ASCII_UPPER)
    if len(body) != 8 or not all(c in _ORG_VALUE for c in body):
        raise ValueError(f"need 8 ASCII digits or letters, got {first8[:40]!r}")
    return _org_char(body)


def resident_id_check_char(first17: str) -> str:
    """GB 11643-1999 (ISO 7064 MOD 11-2) check character for 17 digits.

    Raises :class:`ValueError` unless ``first17`` is exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not all(c in _DIGITS for c in first17):
        raise ValueError(f"need 17 ASCII digits, got {first17[:40]!r}")
    return _rid_char(first17)


# --------------------------------------------------------------------------- USCC


def check_uscc(code: str) -> IdCheck:
    """Check a 统一社会信用代码 against GB 32100-2015 (and GB 11714 for 9–17).

    Never raises.  Status is ``MALFORMED`` for a wrong length, a character
    outside the alphabet or non-digits in positions 3–8; ``BAD_CHECK`` (with
    ``expected``) when C18 is wrong; otherwise ``VALID``.
    """
    kind = IdKind.USCC
    value, problem = _normalise(code)
    if problem is not None:
        return _malformed(
            kind,
            value,
            f"{problem}; {_USCC_STD} requires 18 characters",
            f"输入无法校验（{problem}）；{_USCC_STD} 要求 18 位",
        )
    if not value:
        return _malformed(
            kind,
            value,
            f"empty value; {_USCC_STD} requires 18 characters",
            f"值为空；{_USCC_STD} 要求 18 位",
        )
    if len(value) != 18:
        return _malformed(
            kind,
            value,
            f"has {len(value)} characters; {_USCC_STD} requires 18",
            f"长度为 {len(value)} 位；{_USCC_STD} 要求 18 位",
        )
    for pos, ch in enumerate(value, start=1):
        if ch not in _USCC_VALUE:
            return _malformed(
                kind,
                value,
                f"character {_show(ch)} at position {pos} is not in the {_USCC_STD} "
                "alphabet (digits and A-Z except I, O, S, V, Z)",
                f"第{pos}位字符{_show_zh(ch)}不在 {_USCC_STD} 代码字符集内（数字及除 I、O、S、V、Z 外的大写字母）",
            )
    for pos in range(3, 9):
        ch = value[pos - 1]
        if ch not in _DIGITS:
            return _malformed(
                kind,
                value,
                f"positions 3-8 (administrative division code) must be digits; found {_show(ch)} at position {pos}",
                f"第3–8位（登记管理机关行政区划码）应为数字，第{pos}位为{_show_zh(ch)}",
            )

    org_expected = _org_char(value[8:16])
    org_ok = org_expected == value[16]
    org_status = IdStatus.VALID if org_ok else IdStatus.BAD_CHECK
    org_note = (
        ""
        if org_ok
        else f"; also, the organisation code (positions 9-17) has check character "
        f"'{value[16]}' but {_ORG_STD} requires '{org_expected}'"
    )
    org_note_zh = (
        "" if org_ok else f"；另：主体标识码（第9–17位）校验码为'{value[16]}'，按 {_ORG_STD} 应为'{org_expected}'"
    )

    expected = _uscc_char(value[:17])
    if value[17] != expected:
        return _result(
            kind,
            value,
            IdStatus.BAD_CHECK,
            f"check character is '{value[17]}' but {_USCC_STD} requires '{expected}'{org_note}",
            f"校验码为'{value[17]}'，按 {_USCC_STD} 应为'{expected}'{org_note_zh}",
            expected=expected,
            org_status=org_status,
            org_expected=None if org_ok else org_expected,
        )
    return _result(
        kind,
        value,
        IdStatus.VALID,
        f"check character '{expected}' is correct under {_USCC_STD}{org_note}",
        f"校验码'{expected}'符合 {_USCC_STD}{org_note_zh}",
        org_status=org_status,
        org_expected=None if org_ok else org_expected,
    )


# --------------------------------------------------------------------------- resident id


def check_resident_id(number: str, *, today: date | None = None) -> IdCheck:
    """Check a 公民身份号码 against GB 11643-1999.

    Never raises.  A lower-case ``x`` is accepted and normalised to ``X``.
    Status is ``MALFORMED`` for a wrong length (including 15-digit legacy
    numbers), non-digits, or a birth date (positions 7–14) that is not a real
    date, is before :data:`MIN_BIRTH_YEAR` or is after ``today`` (default:
    the current local date); ``BAD_CHECK`` (with ``expected``) when the
    MOD 11-2 check character is wrong; otherwise ``VALID``.
    """
    kind = IdKind.RESIDENT_ID
    value, problem = _normalise(number)
    if problem is not None:
        return _malformed(
            kind,
            value,
            f"{problem}; {_RID_STD} requires 18 characters",
            f"输入无法校验（{problem}）；{_RID_STD} 要求 18 位",
        )
    if not value:
        return _malformed(
            kind,
            value,
            f"empty value; {_RID_STD} requires 18 characters",
            f"值为空；{_RID_STD} 要求 18 位",
        )
    if len(value) == 15 and all(c in _DIGITS for c in value):
        return _malformed(
            kind,
            value,
            f"15-digit first-generation number (GB 11643-1989); {_RID_STD} requires "
            "18 characters and legacy numbers are not converted",
            f"15 位第一代身份号码（GB 11643-1989）；{_RID_STD} 要求 18 位，不作自动升位",
        )
    if len(value) != 18:
        return _malformed(
            kind,
            value,
            f"has {len(value)} characters; {_RID_STD} requires 18",
            f"长度为 {len(value)} 位；{_RID_STD} 要求 18 位",
        )
    for pos, ch in enumerate(value[:17], start=1):
        if ch not in _DIGITS:
            return _malformed(
                kind,
                value,
                f"character {_show(ch)} at position {pos} is not a digit; {_RID_STD} positions 1-17 are digits",
                f"第{pos}位字符{_show_zh(ch)}不是数字；{_RID_STD} 第1–17位应为数字",
            )
    last = value[17]
    if last not in _DIGITS and last != "X":
        return _malformed(
            kind,
            value,
            f"check character {_show(last)} at position 18 must be a digit or 'X'",
            f"第18位校验码{_show_zh(last)}应为数字或'X'",
        )

    digits = value[6:14]
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    try:
        born = date(year, month, day)
    except ValueError:
        return _malformed(
            kind,
            value,
            f"positions 7-14 '{digits}' are not a valid birth date (YYYYMMDD)",
            f"第7–14位'{digits}'不是有效的出生日期（YYYYMMDD）",
        )
    if year < MIN_BIRTH_YEAR:
        return _malformed(
            kind,
            value,
            f"birth date {born.isoformat()} (positions 7-14) is before {MIN_BIRTH_YEAR}",
            f"出生日期 {born.isoformat()}（第7–14位）早于 {MIN_BIRTH_YEAR} 年",
        )
    if today is None:
        reference = date.today()
    elif isinstance(today, datetime):
        reference = today.date()
    else:
        reference = today
    if born > reference:
        return _malformed(
            kind,
            value,
            f"birth date {born.isoformat()} (positions 7-14) is in the future",
            f"出生日期 {born.isoformat()}（第7–14位）晚于当前日期",
        )

    expected = _rid_char(value[:17])
    if last != expected:
        return _result(
            kind,
            value,
            IdStatus.BAD_CHECK,
            f"check character is '{last}' but {_RID_ALGO} requires '{expected}'",
            f"校验码为'{last}'，按 {_RID_ALGO_ZH} 应为'{expected}'",
            expected=expected,
        )
    return _result(
        kind,
        value,
        IdStatus.VALID,
        f"check character '{expected}' is correct under {_RID_ALGO}",
        f"校验码'{expected}'符合 {_RID_ALGO_ZH}",
    )


# --------------------------------------------------------------------------- dispatch

_BIRTH_CENTURIES = frozenset({"18", "19", "20"})


def _resident_shaped(value: str) -> bool:
    """Only ASCII digits, optionally ending in a single 'X', and non-empty."""
    body = value[:-1] if value.endswith("X") else value
    return bool(body) and all(c in _DIGITS for c in body)


def check_identifier(value: str, *, today: date | None = None) -> IdCheck:
    """Check a value that may be either a USCC or a resident id.  Never raises.

    Callers that know which kind a field holds should call
    :func:`check_uscc` or :func:`check_resident_id` directly.  Dispatch rule,
    applied to the normalised value:

    1. If it contains anything other than ASCII digits and one optional final
       ``X`` (a letter other than a final X, any other character, or nothing
       at all), it is checked as a USCC: a resident id cannot contain those.
    2. Digits of a length other than 18 (e.g. a 15-digit legacy number) are
       checked as a resident id, which reports them as malformed.
    3. 18 characters of digits (optionally ending in X) are ambiguous, since a
       USCC may be all digits (e.g. ``121200004013590816``).  Both readings are
       computed and, in order:

       a. the resident-id reading wins if it is VALID;
       b. the USCC reading wins if it is VALID and either its GB 11714
          organisation code is also valid or positions 7–8 are not a birth
          century (``18``/``19``/``20``) — so a mistyped resident id is
          mistaken for a USCC only when it passes both USCC checks by chance
          (about 1 in 341);
       c. otherwise the resident-id reading wins if positions 7–8 are a birth
          century, and the USCC reading wins if not.
    """
    normalised, problem = _normalise(value)
    if problem is not None or not _resident_shaped(normalised):
        return check_uscc(value)
    if len(normalised) != 18:
        return check_resident_id(value, today=today)
    as_rid = check_resident_id(value, today=today)
    if as_rid.ok:
        return as_rid
    as_uscc = check_uscc(value)
    birthlike = normalised[6:8] in _BIRTH_CENTURIES
    if as_uscc.ok and (as_uscc.org_code_status is IdStatus.VALID or not birthlike):
        return as_uscc
    return as_rid if birthlike else as_uscc


# --------------------------------------------------------------------------- fast paths

#: Each ASCII character as a base-34 digit: a USCC character as the digit of its value, any other as "#",
#: which int() refuses (so do the signs, spaces and underscores int() would otherwise accept).
_USCC_AS_BASE34 = str.maketrans(
    {chr(c): "#" for c in range(128)} | {c: "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"[v] for c, v in _USCC_VALUE.items()}
)


def is_valid_uscc(code: str) -> bool:
    """Fast ``check_uscc(code).ok`` for the common case; builds no messages.

    The engine calls this for every subject and asks :func:`check_uscc` for the
    explanation only when it is False.  The weighted sum is one ``int()`` in C: the
    weights are 3**i mod 31 and 34 ≡ 3 (mod 31), so the 17 characters reversed, read
    as a base-34 number of their values, have the weighted sum's remainder mod 31.
    """
    if len(code) != 18 or not code.isascii() or not code[2:8].isdigit():
        return check_uscc(code).ok
    try:
        total = int(code[16::-1].translate(_USCC_AS_BASE34), 34)
    except ValueError:  # a character outside the alphabet
        return check_uscc(code).ok
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def is_valid_resident_id(number: str, *, today: date | None = None) -> bool:
    """Fast ``check_resident_id(number, today=today).ok``; builds no messages."""
    if len(number) != 18 or not number[:17].isdigit() or not number.isascii():
        return check_resident_id(number, today=today).ok
    total = sum(int(c) * w for c, w in zip(number, RESIDENT_ID_WEIGHTS, strict=False))
    check = (12 - total % 11) % 11
    if ("X" if check == 10 else str(check)) != number[17].upper():
        return False
    return check_resident_id(number, today=today).ok


# --------------------------------------------------------------------------- memo

#: Identifiers whose outcome is remembered, per scheme.  A subject is checked each time it is graded
#: (under each pack of an impact analysis, each cycle of a multi-year run, again when compiled code
#: falls back to the interpreter); the memo makes that one check per identifier.  Bounded, oldest
#: out first, so a stream of millions of distinct identifiers holds constant memory.
ID_MEMO = 65_536

_MISSING = object()
_K = TypeVar("_K", str, tuple[str, date])
_memo_lock = threading.Lock()
_uscc_memo: OrderedDict[str, IdCheck | None] = OrderedDict()
_resident_memo: OrderedDict[tuple[str, date], IdCheck | None] = OrderedDict()


def _remember(memo: OrderedDict[_K, IdCheck | None], key: _K, outcome: IdCheck | None) -> None:
    # reads need no lock (a dict read is atomic); inserting and evicting together do.  An
    # OrderedDict drops its oldest entry in constant time (a plain dict deleted from the front
    # rescans the holes it leaves: 28 µs an insert at this size)
    with _memo_lock:
        while len(memo) >= ID_MEMO:
            memo.popitem(last=False)
        memo[key] = outcome


def uscc_problem(code: str) -> IdCheck | None:
    """``check_uscc(code)`` when its check character is wrong or it is malformed, None when valid; memoised.

    Thread-safe; the same outcome as :func:`is_valid_uscc` followed by :func:`check_uscc`.
    """
    found = _uscc_memo.get(code, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    outcome = None if is_valid_uscc(code) else check_uscc(code)
    _remember(_uscc_memo, code, outcome)
    return outcome


def resident_id_problem(number: str, *, today: date) -> IdCheck | None:
    """``check_resident_id(number, today=today)`` unless it is valid (then None); memoised per number and day.

    Thread-safe.  ``today`` is required: an outcome is remembered for a fixed day (the engine passes
    the end of the year a result is used in), never for a clock that moves.
    """
    key = (number, today)
    found = _resident_memo.get(key, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    outcome = None if is_valid_resident_id(number, today=today) else check_resident_id(number, today=today)
    _remember(_resident_memo, key, outcome)
    return outcome
