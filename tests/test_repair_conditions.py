"""The repair-condition registry: every type the pack format admits has exactly one documented check."""

from __future__ import annotations

import pytest

from medcredit.repair.conditions import CONDITION_TYPES, CONDITIONS, condition


def test_every_condition_type_of_the_format_is_registered() -> None:
    assert sorted(CONDITIONS) == sorted(CONDITION_TYPES)
    assert all(c.doc for c in CONDITIONS.values())


def test_time_based_conditions_are_the_ones_with_a_date() -> None:
    assert {c.id for c in CONDITIONS.values() if c.time_based} == {"waiting", "term_ended", "no_recent_revocation"}


def test_an_unknown_or_repeated_type_cannot_be_registered() -> None:
    with pytest.raises(ValueError, match="not a repair condition type"):
        condition("no_repeats")
    with pytest.raises(ValueError, match="registered twice"):
        condition("waiting")


def test_an_unknown_condition_type_in_a_pack_is_a_load_error(tmp_path) -> None:
    """Never a silent default: a pack naming a type nobody checks fails to load, located."""
    from importlib import resources

    import medcredit

    text = resources.files("medcredit").joinpath("packs/liaoning.yaml").read_text("utf-8")
    assert "check: not_unrepairable" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("check: not_unrepairable", "check: not_unrepairabel", 1), encoding="utf-8")
    with pytest.raises(medcredit.PackError) as info:
        medcredit.load_pack(bad)
    (problem,) = [p for p in info.value.problems if "not_unrepairabel" in p.message or "check" in str(p.path)]
    assert problem.line > 0
