"""Tests of intervals with explicit end points and of band coverage checks (medcredit.pack.intervals)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medcredit.pack.compiled import interval_gaps, interval_overlaps
from medcredit.pack.intervals import Interval, parse_interval
from medcredit.pack.loader import load_pack


def ivs(*texts: str) -> list[Interval]:
    return [parse_interval(t) for t in texts]


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "low", "low_inc", "high", "high_inc"),
    [
        ("[65, 90)", Decimal(65), True, Decimal(90), False),
        ("(0, 10000)", Decimal(0), False, Decimal(10000), False),
        ("[90, +inf)", Decimal(90), True, None, False),
        ("(-inf, 60)", None, False, Decimal(60), False),
        ("(-∞, 5]", None, False, Decimal(5), True),
        ("(1, inf)", Decimal(1), False, None, False),
        ("( 1 , 2 )", Decimal(1), False, Decimal(2), False),
        ("[1,1]", Decimal(1), True, Decimal(1), True),
        ("[1_000, 2_000)", Decimal(1000), True, Decimal(2000), False),
        ("[59.99, 60.00)", Decimal("59.99"), True, Decimal("60.00"), False),
        ("(-inf, +inf)", None, False, None, False),
    ],
)
def test_parse_interval(text: str, low: Decimal | None, low_inc: bool, high: Decimal | None, high_inc: bool) -> None:
    """Brackets say which ends are included; inf/∞ bounds are open; numbers are exact decimals."""
    iv = parse_interval(text)
    assert (iv.low, iv.low_inclusive, iv.high, iv.high_inclusive) == (low, low_inc, high, high_inc)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[2, 1)", "empty"),
        ("[1, 1)", "empty"),
        ("(1, 1]", "empty"),
        ("[-inf, 2)", "-inf cannot be included"),
        ("(1, +inf]", "+inf cannot be included"),
        ("[a, 2)", "'a' is not a number"),
        ("[nan, 2)", "not a finite number"),
        ("[1 2)", "is not an interval"),
        ("(1, 2", "is not an interval"),
        ("1 to 2", "is not an interval"),
        ("", "is not an interval"),
    ],
)
def test_parse_interval_refuses_bad_text(text: str, reason: str) -> None:
    """Malformed, empty or ill-bounded intervals raise ValueError with the reason."""
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_interval(text)


@pytest.mark.parametrize("value", [None, 5, Decimal(5), ["[1, 2)"]])
def test_parse_interval_refuses_non_text(value: object) -> None:
    """An interval must be written as text."""
    with pytest.raises(ValueError, match="written as text"):
        parse_interval(value)  # type: ignore[arg-type]


# ------------------------------------------------------------------ membership and text


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("[65, 90)", [65, Decimal("65.00"), Decimal("89.99"), 70], [Decimal("64.99"), 90, Decimal("90.00")]),
        ("(0, 10000)", [Decimal("0.01"), Decimal("9999.99")], [0, 10000, -1]),
        ("[90, +inf)", [90, 10**9], [Decimal("89.999")]),
        ("(-inf, 60)", [Decimal(-1000), Decimal("59.99")], [60, 61]),
        ("[5, 5]", [5], [Decimal("4.99"), Decimal("5.01")]),
    ],
)
def test_contains_respects_each_end(text: str, inside: list[Decimal | int], outside: list[Decimal | int]) -> None:
    """'[' includes its end ("以上"), ')' excludes it ("不足"); ints and Decimals compare exactly."""
    iv = parse_interval(text)
    for v in inside:
        assert iv.contains(v), (text, v)
    for v in outside:
        assert not iv.contains(v), (text, v)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[65, 90)", "[65, 90)"),
        ("(-∞, 60)", "(-inf, 60)"),
        ("[90, inf)", "[90, +inf)"),
        ("[60.50, 70.0]", "[60.5, 70]"),
        ("[1e2, 1e3)", "[100, 1000)"),
    ],
)
def test_str_is_canonical(text: str, shown: str) -> None:
    """Intervals print canonically: explicit ±inf, no trailing zeros or exponents."""
    assert str(parse_interval(text)) == shown


def test_str_round_trips() -> None:
    """Parsing the printed form gives the same interval."""
    for text in ["[65, 90)", "(-inf, 60)", "[90, +inf)", "(0, 10000)", "[1.5, 2.25]"]:
        iv = parse_interval(text)
        assert parse_interval(str(iv)) == iv


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("[65, 90)", "65以上，不足90"),
        ("[90, +inf)", "90以上"),
        ("(-inf, 60)", "不足60"),
        ("(0, 10000)", "0以上（不含本数），不足10000"),
        ("[1, 2]", "1以上，不超过2"),
        ("(-inf, +inf)", "任意值"),
    ],
)
def test_describe_zh_uses_the_laws_words(text: str, zh: str) -> None:
    """Chinese descriptions use 以上 (inclusive) and 不足 (exclusive), as 巫山 第二十六条 defines them."""
    assert parse_interval(text).describe_zh() == zh


# ------------------------------------------------------------------ overlaps and gaps


@pytest.mark.parametrize(
    ("texts", "pairs"),
    [
        (["[90, +inf)", "[65, 90)", "[60, 65)", "(-inf, 60)"], []),
        (["[0, 10]", "(10, 20]"], []),
        (["[0, 10]", "[10, 20]"], [(0, 1)]),
        (["(-inf, 60]", "[60, +inf)"], [(0, 1)]),
        (["(-inf, 5)", "[0, 100)", "[10, 20)", "[100, +inf)"], [(0, 1), (1, 2)]),
        (["(-inf, +inf)", "[1, 2)"], [(0, 1)]),
    ],
)
def test_interval_overlaps(texts: list[str], pairs: list[tuple[int, int]]) -> None:
    """Overlaps are the pairs sharing at least one point; touching at an excluded end is no overlap."""
    assert interval_overlaps(ivs(*texts)) == pairs


@pytest.mark.parametrize(
    ("texts", "gaps"),
    [
        (["[90, +inf)", "[65, 90)", "[60, 65)", "(-inf, 60)"], []),
        (["(-inf, 10)", "[10, 10]", "(10, +inf)"], []),
        (["(-inf, 10)", "(10, +inf)"], ["[10, 10]"]),
        (["(-inf, 5)", "[6, 7)", "[7, +inf)"], ["[5, 6)"]),
        (["[0, 10]", "(10, 20]"], ["(-inf, 0)", "(20, +inf)"]),
        (["[0, 1)"], ["(-inf, 0)", "[1, +inf)"]),
        (["(-inf, +inf)"], []),
        ([], ["(-inf, +inf)"]),
        (["[5, 10)", "(-inf, 5)", "[10, +inf)"], []),
        pytest.param(["(-inf, 0)", "(-inf, 10)", "[10, +inf)"], [], id="two-from-minus-inf-narrow-first"),
        pytest.param(["(-inf, 10)", "(-inf, 0)", "[10, +inf)"], [], id="two-from-minus-inf-wide-first"),
    ],
)
def test_interval_gaps(texts: list[str], gaps: list[str]) -> None:
    """Gaps are exactly the stretches of the real line no interval covers, in any input order."""
    assert interval_gaps(ivs(*texts)) == gaps


# ------------------------------------------------------------------ the law's boundaries in the bundled pack


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Decimal(100), "A"),
        (Decimal(90), "A"),
        (Decimal("89.99"), "B"),
        (Decimal(65), "B"),
        (Decimal("64.99"), "C"),
        (Decimal(60), "C"),
        (Decimal("59.99"), "D"),
        (Decimal(-20), "D"),
    ],
)
def test_wushan_bands_follow_article_26(score: Decimal, grade: str) -> None:
    """巫山 第二十六条: "以上" includes the number, "不足" excludes it — 90 is A, 65 is B, 60 is C."""
    pack = load_pack("wushan")
    for name in ("assessment_grades", "scorecard_grades"):
        assert pack.bands[name].grade_for(score) == grade


def test_wushan_bands_cover_the_line_without_overlap() -> None:
    """Each bundled band set covers every score exactly once."""
    pack = load_pack("wushan")
    for bandset in pack.bands.values():
        intervals = [b.interval for b in bandset.bands]
        assert interval_overlaps(intervals) == []
        assert interval_gaps(intervals) == []


# ------------------------------------------------------------------ properties

bounds = st.decimals(min_value=-1000, max_value=1000, allow_nan=False, allow_infinity=False, places=2)


@given(a=bounds, b=bounds, v=bounds)
def test_half_open_partition_has_no_gap_and_no_overlap(a: Decimal, b: Decimal, v: Decimal) -> None:
    """(-inf, a), [a, b), [b, +inf) partition the line: no gaps, no overlaps, each value in exactly one."""
    lo, hi = sorted((a, b))
    if lo == hi:
        hi = lo + 1
    parts = ivs(f"(-inf, {lo})", f"[{lo}, {hi})", f"[{hi}, +inf)")
    assert interval_gaps(parts) == []
    assert interval_overlaps(parts) == []
    assert sum(p.contains(v) for p in parts) == 1


@given(a=bounds, b=bounds)
def test_closed_interval_contains_its_ends_and_open_does_not(a: Decimal, b: Decimal) -> None:
    """[a, b] contains a and b; (a, b) contains neither (for a < b)."""
    lo, hi = sorted((a, b))
    if lo == hi:
        hi = lo + 1
    closed = parse_interval(f"[{lo}, {hi}]")
    opened = parse_interval(f"({lo}, {hi})")
    assert closed.contains(lo)
    assert closed.contains(hi)
    assert not opened.contains(lo)
    assert not opened.contains(hi)
