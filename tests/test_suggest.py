"""Messages for authors: 'did you mean' only for plausible typos; YAML's comma split explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medcredit.cli.main import main
from medcredit.diagnostics.problems import edit_distance, suggest, suggestion_budget

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example"

RULE_FIELDS = ["id", "title", "fact", "effect", "per_occurrence", "once", "tiers", "cap", "cite", "months"]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("per_ocurrence", "per_occurrence"), ("tier", "tiers"), ("titel", "title"), ("effekt", "effect"), ("ID", "id")],
)
def test_typos_get_the_field_meant(typo: str, meant: str) -> None:
    assert suggest(typo, RULE_FIELDS) == meant


@pytest.mark.parametrize("unrelated", ["points", "amount", "E", "quote", "deduct"])
def test_unrelated_names_get_no_suggestion(unrelated: str) -> None:
    """`points` is not offered `months` (the issue's example), a one-letter grade is not offered another."""
    assert suggest(unrelated, [*RULE_FIELDS, "A", "B", "C", "D"]) is None


def test_edit_distance_counts_swaps_as_one() -> None:
    assert edit_distance("categroy", "category") == 1
    assert edit_distance("points", "months") == 3
    assert edit_distance("", "abc") == 3


@given(st.text("abcxy_", max_size=12), st.text("abcxy_", max_size=12), st.integers(0, 6))
def test_bounded_edit_distance_is_exact_up_to_the_bound(a: str, b: str, bound: int) -> None:
    """With a bound, the distance is exact when within it and ``bound + 1`` beyond (never smaller)."""
    assert edit_distance(a, b, bound) == min(edit_distance(a, b), bound + 1)


def test_a_huge_name_is_compared_by_length_first() -> None:
    """A 100,000-character name is far from every short candidate: no table is computed (issue 11)."""
    assert edit_distance("x" * 100_000, "category", 3) == 4
    assert suggest("x" * 100_000, RULE_FIELDS) is None
    assert suggest("per_ocurrence" + "x" * 3, RULE_FIELDS) == "per_occurrence"


def test_suggestions_stop_when_the_budget_is_spent_whatever_was_cached() -> None:
    """A budget counts edit-distance cells; once a suggestion does not fit, none is tried again.

    A cached answer is charged like a computed one, so the same input gets the same suggestions
    whatever was read before it (deterministic output, e.g. in a long-running service).
    """
    fields = ["category", "kind"]
    assert suggest("categorx", fields) == "category"  # now cached
    for _ in range(2):  # with and without the answers cached by the first round
        with suggestion_budget(8 * 8 + 4 * 4):  # one 8-letter name against 'category', one 4-letter against 'kind'
            assert suggest("categroy", fields) == "category"
            assert suggest("kidn", fields) == "kind"
            assert suggest("categorx", fields) is None  # 64 more cells: over the budget, though cached
            assert suggest("kimd", fields) is None  # the budget is closed
    assert suggest("kimd", fields) == "kind"  # outside the block: no limit


def test_comma_in_a_one_line_mapping_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`jurisdiction: {zh: 江苏省泰州市, en: Taizhou, Jiangsu}`: YAML ends the value at the comma; say so."""
    text = (EXAMPLE / "example-county.yaml").read_text(encoding="utf-8")
    old = "jurisdiction: {zh: 示例县, en: Example County}"
    assert old in text
    pack = tmp_path / "taizhou.yaml"
    pack.write_text(text.replace(old, "jurisdiction: {zh: 江苏省泰州市, en: Taizhou, Jiangsu}"), encoding="utf-8")
    assert main(["validate", str(pack)]) == 1
    out = capsys.readouterr().out
    assert "unknown field 'Jiangsu' (allowed: en, zh)" in out
    assert "a comma ends a value, so 'en: Taizhou, Jiangsu' was read as en: 'Taizhou' and a key 'Jiangsu'" in out
    assert 'Quote the value: en: "Taizhou, Jiangsu"' in out


def test_no_comma_hint_for_a_plain_typo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown field with a value (a misspelt key) gets a suggestion, not the YAML explanation."""
    text = (EXAMPLE / "example-county.yaml").read_text(encoding="utf-8")
    pack = tmp_path / "typo.yaml"
    pack.write_text(text.replace("jurisdiction: {zh: 示例县,", "jurisdiction: {zhh: 示例县,"), encoding="utf-8")
    assert main(["validate", str(pack)]) == 1
    out = capsys.readouterr().out
    assert "did you mean 'zh'" in out and "a comma ends a value" not in out
