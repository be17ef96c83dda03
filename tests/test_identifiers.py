"""Tests for medcredit.history.identifiers (GB 32100-2015, GB 11714, GB 11643-1999).

Clauses are cited by their titles in the standards: GB 32100-2015 "代码结构"
(code structure) and "校验码" (check character: Table 1 character values,
Table 2 weights Wi = 3^(i-1) mod 31); GB 11714 "校验码" (organisation-code
check character); GB 11643-1999 "号码的结构" (structure), "出生日期码"
(birth-date code) and "校验码" (ISO 7064:1983 MOD 11-2).
"""

from __future__ import annotations

import resource
from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from medcredit.history.identifiers import (
    MIN_BIRTH_YEAR,
    ORG_CODE_WEIGHTS,
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    IdCheck,
    IdKind,
    IdStatus,
    check_identifier,
    check_resident_id,
    check_uscc,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)

TODAY = date(2025, 6, 30)
DIGITS = "0123456789"

# Codes published online and collected in python-stdnum's test-suite, covering
# all-digit codes, MA-prefixed organisation codes, individual businesses (92…)
# and a 'L'-prefixed organisation code.
REAL_USCCS = [
    "91110000600037341L",
    "121200004013590816",
    "914403001922038216",
    "9144030071526726XG",
    "91152201078371135X",
    "91310115MA1K3BTP2B",
    "91340600MA2PBM9HXD",
    "92340602MA2PBMEM24",
    "92340621MA2UK3PJXE",
    "91620105L015101280",
]


def _make_uscc(first8: str, org8: str) -> str:
    """A USCC whose organisation code and C18 are both correct."""
    body = first8 + org8 + org_code_check_char(org8)
    return body + uscc_check_char(body)


def _make_rid(area: str, born: date, seq: str) -> str:
    body = f"{area}{born:%Y%m%d}{seq}"
    return body + resident_id_check_char(body)


def _assert_invariants(result: IdCheck) -> None:
    assert isinstance(result, IdCheck)
    assert result.kind in set(IdKind)
    assert result.status in set(IdStatus)
    assert result.ok == (result.status is IdStatus.VALID)
    assert (result.expected is not None) == (result.status is IdStatus.BAD_CHECK)
    assert result.reason
    assert result.reason_zh
    if result.expected is not None:
        assert len(result.expected) == 1
    if result.org_code_status is None:
        assert result.org_code_expected is None
    else:
        assert result.kind is IdKind.USCC
        assert (result.org_code_expected is not None) == (result.org_code_status is IdStatus.BAD_CHECK)


# ----------------------------------------------------------------------------- weights


def test_uscc_weights_are_powers_of_three_mod_31() -> None:
    """GB 32100-2015 校验码, Table 2: Wi = 3^(i-1) mod 31 for i = 1..17."""
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_uscc_alphabet_values() -> None:
    """GB 32100-2015 校验码, Table 1: 31 characters valued 0..30, no I, O, S, V, Z."""
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)
    assert USCC_ALPHABET.index("A") == 10
    assert USCC_ALPHABET.index("Y") == 30


def test_resident_id_weights_are_mod_11_2() -> None:
    """GB 11643-1999 校验码 (ISO 7064 MOD 11-2): Wi = 2^(18-i) mod 11."""
    assert RESIDENT_ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_org_code_weights() -> None:
    """GB 11714 校验码: weights 3, 7, 9, 10, 5, 8, 4, 2 over the 8 body characters."""
    assert ORG_CODE_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)


# ----------------------------------------------------------------------------- USCC


def test_uscc_standard_worked_example() -> None:
    """GB 32100-2015 校验码 worked example: 91350100M000100Y4 gives C18 = '3'."""
    assert uscc_check_char("91350100M000100Y4") == "3"
    result = check_uscc("91350100M000100Y43")
    assert result.status is IdStatus.VALID
    assert result.org_code_status is IdStatus.VALID


def test_uscc_worked_example_with_z_is_malformed() -> None:
    """GB 32100-2015 代码结构: 'Z' is outside the code character set, so malformed."""
    result = check_uscc("91350100M000100Y4Z")
    assert result.status is IdStatus.MALFORMED
    assert result.expected is None
    assert "position 18" in result.reason


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_uscc_codes_are_valid(code: str) -> None:
    """GB 32100-2015 校验码 and GB 11714 校验码 both hold for published codes."""
    result = check_uscc(code)
    assert result.status is IdStatus.VALID, result.reason
    assert result.org_code_status is IdStatus.VALID
    assert result.org_code_expected is None
    assert result.kind is IdKind.USCC
    assert result.value == code


def test_constructed_uscc_is_valid() -> None:
    """GB 32100-2015 代码结构: '91' + Beijing division 110000 + org code + C18."""
    code = _make_uscc("91110000", "MA01TK7Q")
    assert len(code) == 18
    result = check_uscc(code)
    assert result.ok
    assert result.org_code_status is IdStatus.VALID
    assert "correct" in result.reason


@pytest.mark.parametrize("wrong", [c for c in USCC_ALPHABET if c != "L"])
def test_uscc_wrong_check_char_is_bad_check(wrong: str) -> None:
    """GB 32100-2015 校验码: any other 18th character is a BAD_CHECK with expected C18."""
    result = check_uscc("91110000600037341" + wrong)
    assert result.status is IdStatus.BAD_CHECK
    assert result.expected == "L"
    assert not result.ok
    assert result.reason == f"check character is '{wrong}' but GB 32100-2015 requires 'L'"
    assert "'L'" in result.reason_zh
    # positions 9-17 are untouched, so the organisation code is still fine
    assert result.org_code_status is IdStatus.VALID


def test_uscc_pilot_region_codes_are_bad_check_not_malformed() -> None:
    """GB 32100-2015 校验码: early Fujian pilot codes fail C18; report, don't reject."""
    result = check_uscc("91350100M0001TGQXM")
    assert result.status is IdStatus.BAD_CHECK
    assert result.expected == "1"
    assert result.org_code_status is IdStatus.VALID


def test_uscc_org_code_mismatch_is_a_separate_finding() -> None:
    """GB 11714 校验码 (positions 9-17) is reported apart from the C18 status."""
    org8 = "60003734"
    good = org_code_check_char(org8)
    bad = "2" if good != "2" else "3"
    body = "91110000" + org8 + bad
    result = check_uscc(body + uscc_check_char(body))
    assert result.status is IdStatus.VALID
    assert result.ok
    assert result.org_code_status is IdStatus.BAD_CHECK
    assert result.org_code_expected == good
    assert "GB 11714" in result.reason
    assert "GB 11714" in result.reason_zh


def test_org_code_letters_use_gb11714_values() -> None:
    """GB 11714 校验码: letters are valued A=10 … Z=35, unlike GB 32100 Table 1."""
    # 'MA1K3BTP' + '2' is from a published code; with GB 32100 values it would not be '2'.
    assert org_code_check_char("MA1K3BTP") == "2"
    assert org_code_check_char("ma1k3btp") == "2"
    assert org_code_check_char("71526726") == "X"
    assert org_code_check_char("19220382") == "1"


def test_uscc_letters_allowed_in_positions_1_and_2() -> None:
    """GB 32100-2015 代码结构: positions 1-2 (authority, category) use the full set."""
    code = _make_uscc("N2110105", "MA01TK7Q")
    assert check_uscc(code).ok


def test_uscc_lowercase_is_normalised() -> None:
    """GB 32100-2015 代码结构: letters are upper-case; input is upper-cased first."""
    result = check_uscc("  91310115ma1k3btp2b\t")
    assert result.ok
    assert result.value == "91310115MA1K3BTP2B"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("9111000060003734", "16 characters"),
        ("91110000600037341LL", "19 characters"),
        ("91110000600037341I", "position 18"),
        ("9111000060O037341L", "position 11"),
        ("91A10000600037341L", "positions 3-8"),
        ("9111 000600037341L", "position 5"),
        ("９１１１００００６０００３７３４１Ｌ", "full-width"),
        ("91110000600037341\u00df", "position 18"),
    ],
)
def test_uscc_malformed(code: str, fragment: str) -> None:
    """GB 32100-2015 代码结构: 18 characters, Table 1 set, digits in positions 3-8."""
    result = check_uscc(code)
    assert result.status is IdStatus.MALFORMED
    assert result.expected is None
    assert result.org_code_status is None
    assert fragment in result.reason
    assert result.reason_zh


def test_uscc_check_char_rejects_bad_input() -> None:
    """GB 32100-2015 校验码 is defined only for 17 characters of Table 1."""
    for bad in ["", "9111000060003734", "91110000600037341L", "9111000060003734I"]:
        with pytest.raises(ValueError, match="17 characters"):
            uscc_check_char(bad)
    with pytest.raises(ValueError, match="8 ASCII"):
        org_code_check_char("6000373")


# ----------------------------------------------------------------------------- resident id


def test_resident_id_textbook_example() -> None:
    """GB 11643-1999 校验码 example: 11010519491231002X (Beijing, 1949-12-31)."""
    assert resident_id_check_char("11010519491231002") == "X"
    result = check_resident_id("11010519491231002X")
    assert result.status is IdStatus.VALID
    assert result.kind is IdKind.RESIDENT_ID
    assert result.org_code_status is None


def test_resident_id_lowercase_x_is_normalised() -> None:
    """GB 11643-1999 校验码: the check value 10 is written 'X'; 'x' is accepted."""
    result = check_resident_id(" 11010519491231002x ")
    assert result.ok
    assert result.value == "11010519491231002X"


def test_resident_id_1880_textbook_example_hits_the_1900_floor() -> None:
    """GB 11643-1999 出生日期码: the standard's 1880 example has a correct check
    character but is rejected by this library's 1900 floor on birth dates."""
    assert resident_id_check_char("44052418800101001") == "4"
    result = check_resident_id("440524188001010014", today=TODAY)
    assert result.status is IdStatus.MALFORMED
    assert str(MIN_BIRTH_YEAR) in result.reason


@pytest.mark.parametrize("wrong", list(DIGITS))
def test_resident_id_wrong_check_char_is_bad_check(wrong: str) -> None:
    """GB 11643-1999 校验码: any other check character is BAD_CHECK with expected."""
    result = check_resident_id("11010519491231002" + wrong, today=TODAY)
    assert result.status is IdStatus.BAD_CHECK
    assert result.expected == "X"
    assert result.reason == (f"check character is '{wrong}' but GB 11643-1999 (ISO 7064 MOD 11-2) requires 'X'")


def test_resident_id_legacy_15_digits_is_malformed() -> None:
    """GB 11643-1999 号码的结构: 18 characters; 15-digit GB 11643-1989 numbers are
    reported, not converted."""
    result = check_resident_id("110105491231002")
    assert result.status is IdStatus.MALFORMED
    assert "15-digit" in result.reason
    assert "15 位" in result.reason_zh
    assert result.value == "110105491231002"


@pytest.mark.parametrize(
    ("birth", "fragment"),
    [
        ("19491331", "not a valid birth date"),
        ("19490229", "not a valid birth date"),
        ("19000229", "not a valid birth date"),
        ("19490000", "not a valid birth date"),
        ("18991231", "before 1900"),
        ("20300101", "in the future"),
    ],
)
def test_resident_id_bad_birth_date_is_malformed(birth: str, fragment: str) -> None:
    """GB 11643-1999 出生日期码: positions 7-14 must be a real date, 1900..today."""
    body = f"110105{birth}002"
    result = check_resident_id(body + resident_id_check_char(body), today=TODAY)
    assert result.status is IdStatus.MALFORMED
    assert fragment in result.reason
    assert result.expected is None


def test_resident_id_leap_day_and_today_are_valid() -> None:
    """GB 11643-1999 出生日期码: 2000-02-29 is a real date; today is not future."""
    assert check_resident_id(_make_rid("110105", date(2000, 2, 29), "002"), today=TODAY).ok
    assert check_resident_id(_make_rid("110105", TODAY, "002"), today=TODAY).ok
    as_datetime = datetime(2025, 6, 30, 12, 0)
    assert check_resident_id(_make_rid("110105", TODAY, "002"), today=as_datetime).ok


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "empty"),
        ("1101051949123100", "16 characters"),
        ("11010519491231002XX", "19 characters"),
        ("1101051949123100AX", "position 17"),
        ("X10105194912310021", "position 1"),
        ("11010519491231002Y", "position 18"),
        ("１１０１０５１９４９１２３１００２Ｘ", "full-width"),
        ("110105 9491231002X", "position 7"),
    ],
)
def test_resident_id_malformed(number: str, fragment: str) -> None:
    """GB 11643-1999 号码的结构: 17 digits then a digit or 'X'."""
    result = check_resident_id(number, today=TODAY)
    assert result.status is IdStatus.MALFORMED
    assert fragment in result.reason


def test_resident_id_check_char_rejects_bad_input() -> None:
    """GB 11643-1999 校验码 is defined only for a 17-digit body."""
    for bad in ["", "1101051949123100", "1101051949123100X", "１１０１０５１９４９１２３１００２"]:
        with pytest.raises(ValueError, match="17 ASCII digits"):
            resident_id_check_char(bad)


# ----------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    ("value", "kind", "status"),
    [
        ("11010519491231002X", IdKind.RESIDENT_ID, IdStatus.VALID),
        ("11010519491231002x", IdKind.RESIDENT_ID, IdStatus.VALID),
        ("110105194912310021", IdKind.RESIDENT_ID, IdStatus.BAD_CHECK),
        ("440524188001010014", IdKind.RESIDENT_ID, IdStatus.MALFORMED),
        ("11010519491331002X", IdKind.RESIDENT_ID, IdStatus.MALFORMED),
        ("110105491231002", IdKind.RESIDENT_ID, IdStatus.MALFORMED),
        ("91110000600037341L", IdKind.USCC, IdStatus.VALID),
        ("91110000600037341M", IdKind.USCC, IdStatus.BAD_CHECK),
        ("121200004013590816", IdKind.USCC, IdStatus.VALID),
        ("91152201078371135X", IdKind.USCC, IdStatus.VALID),
        ("911522010783710636", IdKind.USCC, IdStatus.BAD_CHECK),
        ("N2110105MA01TK7Q", IdKind.USCC, IdStatus.MALFORMED),
        ("", IdKind.USCC, IdStatus.MALFORMED),
        ("hello", IdKind.USCC, IdStatus.MALFORMED),
    ],
)
def test_check_identifier_dispatch(value: str, kind: IdKind, status: IdStatus) -> None:
    """GB 32100-2015 and GB 11643-1999 号码的结构: letters mean USCC; 18 digits are
    read both ways and the better, structurally plausible reading is kept."""
    result = check_identifier(value, today=TODAY)
    assert (result.kind, result.status) == (kind, status), result.reason


def test_check_identifier_resident_reading_wins_a_tie() -> None:
    """GB 11643-1999 出生日期码: a value valid under both schemes is a resident id,
    because a real birth date in positions 7-14 is strong evidence."""
    both = next(
        rid for seq in range(1000) if check_uscc(rid := _make_rid("110105", date(1990, 5, 17), f"{seq:03d}")).ok
    )
    assert check_identifier(both, today=TODAY).kind is IdKind.RESIDENT_ID


# ----------------------------------------------------------------------------- robustness


def test_whitespace_and_bom_are_stripped() -> None:
    """GB 32100-2015 / GB 11643-1999 号码的结构: surrounding padding is not part of
    the code (ideographic space, BOM and zero-width space included)."""
    assert check_uscc("\ufeff91110000600037341L\u3000").value == "91110000600037341L"
    assert check_resident_id("\u200b11010519491231002X\n").ok


@pytest.mark.parametrize("junk", [None, 123, 1.5, b"91110000600037341L", ["x"]])
def test_non_string_input_does_not_raise(junk: object) -> None:
    """GB 32100-2015 / GB 11643-1999 号码的结构: non-text can never be an identifier."""
    for check in (check_uscc, check_resident_id, check_identifier):
        result = check(junk)  # type: ignore[arg-type]
        assert result.status is IdStatus.MALFORMED
        assert "expected a string" in result.reason


def test_very_long_input_is_bounded() -> None:
    """GB 32100-2015 号码的结构 (18 characters): huge inputs are rejected cheaply."""
    huge = "9" * 5_000_000
    start = _cpu_seconds()
    for check in (check_uscc, check_resident_id, check_identifier):
        result = check(huge)
        assert result.status is IdStatus.MALFORMED
        assert len(result.value) <= 41
        assert "5000000 characters" in result.reason
    # CPU time, not wall clock (a loaded machine must not fail this): scanning 5 MB would cost far more
    assert _cpu_seconds() - start < 1.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_result_is_frozen() -> None:
    """IdCheck is an immutable record of one GB 32100-2015 / GB 11643-1999 check."""
    result = check_uscc("91110000600037341L")
    with pytest.raises(AttributeError):
        result.status = IdStatus.MALFORMED  # type: ignore[misc]


# ----------------------------------------------------------------------------- properties

uscc_prefixes = st.builds(
    lambda head, division, tail: head + division + tail,
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
birth_dates = st.dates(min_value=date(MIN_BIRTH_YEAR, 1, 1), max_value=TODAY)
resident_prefixes = st.builds(
    lambda area, born, seq: f"{area}{born:%Y%m%d}{seq}",
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    birth_dates,
    st.text(alphabet=DIGITS, min_size=3, max_size=3),
)


@given(prefix=uscc_prefixes, other=st.sampled_from(USCC_ALPHABET))
def test_property_uscc_check_char_round_trip(prefix: str, other: str) -> None:
    """GB 32100-2015 校验码: prefix + C18 is VALID; any other character is BAD_CHECK."""
    check = uscc_check_char(prefix)
    assert check in USCC_ALPHABET
    good = check_uscc(prefix + check)
    assert good.status is IdStatus.VALID
    _assert_invariants(good)
    if other != check:
        bad = check_uscc(prefix + other)
        assert bad.status is IdStatus.BAD_CHECK
        assert bad.expected == check
        _assert_invariants(bad)


@given(
    prefix=uscc_prefixes,
    index=st.integers(min_value=0, max_value=16),
    replacement=st.sampled_from(USCC_ALPHABET),
)
def test_property_uscc_detects_single_substitution(prefix: str, index: int, replacement: str) -> None:
    """GB 32100-2015 校验码: MOD 31 with weights coprime to 31 catches every
    single-character substitution in positions 1-17."""
    assume(prefix[index] != replacement)
    assume(not 2 <= index <= 7 or replacement in DIGITS)
    code = prefix + uscc_check_char(prefix)
    changed = code[:index] + replacement + code[index + 1 :]
    assert check_uscc(changed).status is IdStatus.BAD_CHECK


@given(prefix=uscc_prefixes, index=st.integers(min_value=0, max_value=15))
def test_property_uscc_detects_adjacent_transposition(prefix: str, index: int) -> None:
    """GB 32100-2015 校验码: swapping two different adjacent characters in 1-17 is caught."""
    assume(prefix[index] != prefix[index + 1])
    code = prefix + uscc_check_char(prefix)
    swapped = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
    assume(all(c in DIGITS for c in swapped[2:8]))
    assert check_uscc(swapped).status is IdStatus.BAD_CHECK


@given(
    head=st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    division=st.text(alphabet=DIGITS, min_size=6, max_size=6),
    org8=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
)
def test_property_consistent_uscc_has_valid_org_code(head: str, division: str, org8: str) -> None:
    """GB 32100-2015 代码结构 + GB 11714 校验码: a code built with both check
    characters passes both checks; a wrong 17th character breaks both."""
    code = _make_uscc(head + division, org8)
    result = check_uscc(code)
    assert result.ok
    assert result.org_code_status is IdStatus.VALID
    wrong17 = "0" if code[16] != "0" else "1"
    body = code[:16] + wrong17
    recomputed = check_uscc(body + uscc_check_char(body))
    assert recomputed.ok
    assert recomputed.org_code_status is IdStatus.BAD_CHECK
    assert recomputed.org_code_expected == code[16]


@given(prefix=resident_prefixes, other=st.sampled_from(DIGITS + "X"))
def test_property_resident_id_check_char_round_trip(prefix: str, other: str) -> None:
    """GB 11643-1999 校验码: body + MOD 11-2 check is VALID; any other is BAD_CHECK."""
    check = resident_id_check_char(prefix)
    good = check_resident_id(prefix + check, today=TODAY)
    assert good.status is IdStatus.VALID
    _assert_invariants(good)
    as_any = check_identifier(prefix + check, today=TODAY)
    assert (as_any.kind, as_any.status) == (IdKind.RESIDENT_ID, IdStatus.VALID)
    if other != check:
        bad = check_resident_id(prefix + other, today=TODAY)
        assert bad.status is IdStatus.BAD_CHECK
        assert bad.expected == check
        _assert_invariants(bad)


@given(
    prefix=resident_prefixes,
    index=st.integers(min_value=0, max_value=16),
    replacement=st.sampled_from(DIGITS),
)
def test_property_resident_id_detects_single_substitution(prefix: str, index: int, replacement: str) -> None:
    """GB 11643-1999 校验码: MOD 11-2 catches every single-digit substitution
    (the result is BAD_CHECK, or MALFORMED if the birth date broke)."""
    assume(prefix[index] != replacement)
    number = prefix + resident_id_check_char(prefix)
    changed = number[:index] + replacement + number[index + 1 :]
    assert check_resident_id(changed, today=TODAY).status is not IdStatus.VALID


@given(st.text(max_size=64))
def test_property_never_raises_on_arbitrary_text(text: str) -> None:
    """GB 32100-2015 / GB 11643-1999 号码的结构: any text yields a result, never an error."""
    for check in (check_uscc, check_resident_id, check_identifier):
        _assert_invariants(check(text))


near_miss = st.text(
    alphabet=st.sampled_from(USCC_ALPHABET + "xyzIOSVZ -\u3000\ufeff０１Ｘ\u00df\ud800"),
    min_size=14,
    max_size=20,
)


@given(near_miss)
@settings(max_examples=300)
def test_property_never_raises_on_near_misses(text: str) -> None:
    """GB 32100-2015 / GB 11643-1999 号码的结构: almost-identifiers (lower case,
    excluded letters, full-width, separators, lone surrogates) never raise."""
    for check in (check_uscc, check_resident_id, check_identifier):
        result = check(text)
        _assert_invariants(result)
        if result.status is not IdStatus.MALFORMED:
            assert len(result.value) == 18


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_property_birth_date_window(born: date) -> None:
    """GB 11643-1999 出生日期码: VALID exactly when 1900-01-01 <= birth <= today."""
    assume(born.year >= 1000)  # positions 7-14 hold a four-digit year
    number = _make_rid("110105", born, "002")
    status = check_resident_id(number, today=TODAY).status
    in_window = date(MIN_BIRTH_YEAR, 1, 1) <= born <= TODAY
    assert (status is IdStatus.VALID) == in_window
    if not in_window:
        assert status is IdStatus.MALFORMED


def test_birth_date_boundaries() -> None:
    """GB 11643-1999 出生日期码: boundary days around the accepted window."""
    edges = {
        date(1899, 12, 31): IdStatus.MALFORMED,
        date(1900, 1, 1): IdStatus.VALID,
        TODAY: IdStatus.VALID,
        TODAY + timedelta(days=1): IdStatus.MALFORMED,
    }
    for born, status in edges.items():
        assert check_resident_id(_make_rid("110105", born, "002"), today=TODAY).status is status


@given(st.text(alphabet=USCC_ALPHABET + "abcxyz-IO", min_size=16, max_size=19))
def test_fast_uscc_path_agrees_with_the_full_check(code: str) -> None:
    """is_valid_uscc is exactly check_uscc(...).ok (GB 32100-2015), only faster."""
    from medcredit.history.identifiers import is_valid_uscc

    assert is_valid_uscc(code) == check_uscc(code).ok


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    # with what int() would take for digits or around them: signs, spaces, underscores, lower case, other digits
    st.text(alphabet=USCC_ALPHABET + "a_ +-IO٣３", min_size=9, max_size=9),
)
def test_fast_uscc_path_agrees_with_the_full_check_on_codes_with_their_check_character(
    head: str, digits: str, tail: str
) -> None:
    """Codes carrying the check character their 17 characters call for (as far as they are in the alphabet): the
    fast path's checksum (one base-34 int()) is exactly GB 32100-2015's, and a stray character is refused."""
    from medcredit.history.identifiers import is_valid_uscc

    body = head + digits + tail
    total = sum(USCC_ALPHABET.find(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    code = body + USCC_ALPHABET[(31 - total % 31) % 31]
    assert is_valid_uscc(code) == check_uscc(code).ok
    assert is_valid_uscc(code) == all(c in USCC_ALPHABET for c in body)


@given(st.text(alphabet="0123456789Xx", min_size=17, max_size=19))
def test_fast_resident_id_path_agrees_with_the_full_check(number: str) -> None:
    """is_valid_resident_id is exactly check_resident_id(...).ok (GB 11643-1999), only faster."""
    from medcredit.history.identifiers import is_valid_resident_id

    today = date(2026, 11, 25)
    assert is_valid_resident_id(number, today=today) == check_resident_id(number, today=today).ok
