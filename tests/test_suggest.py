"""'Did you mean': only plausible typos are suggested."""

from __future__ import annotations

import pytest

from medcredit.diagnostics.problems import edit_distance, suggest

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
