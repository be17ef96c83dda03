"""medcredit.testing: the generic properties on every bundled pack, the broken fixtures they catch,
counterexamples that paste as pack tests, exemptions, the CLI, and the Wushan differential oracle.

Profiles: the CI profile runs here (40 examples per property, derandomised, so a run
is repeatable); ``MEDCREDIT_PROPERTIES_PROFILE=release python -m pytest tests/test_properties.py``
runs the long profile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import medcredit
from medcredit.cli.main import main
from medcredit.pack.compiled import CBand, CBandSet
from medcredit.pack.intervals import parse_interval
from medcredit.packtests.runner import CaseFile, run_file
from medcredit.testing import (
    ACCOUNTING,
    BANDS,
    MONOTONIC_AMOUNT,
    MONOTONIC_TRUSTWORTHY,
    MONOTONIC_UNTRUSTWORTHY,
    PROPERTIES,
    RECORD_ORDER,
    Exemption,
    PropertyViolationError,
    check_accounting,
    check_band_sets,
    check_determinism,
    check_monotonic_untrustworthy,
    check_outside_cycle,
    check_record_order,
    check_round_trip,
    check_trace_records,
    pack_exemptions,
    pack_shape,
    record_polarity,
    resolve_profile,
    run_properties,
    run_property,
    subjects,
)
from wushan_oracle import score_subject

BROKEN = Path(__file__).parent / "fixtures" / "broken_packs"

#: The broken pack fixture of each property a pack can break, and the property that must catch it.
BROKEN_PACKS = {
    MONOTONIC_UNTRUSTWORTHY: "monotonic_untrustworthy.yaml",  # an interview adds points
    MONOTONIC_TRUSTWORTHY: "monotonic_trustworthy.yaml",  # an honour deducts points
    MONOTONIC_AMOUNT: "monotonic_amount.yaml",  # 50,000 yuan deducts less than 10,000
    BANDS: "bands.yaml",  # the bands cover the declared domain, the scorecard reaches below it
    "monotonic_severity": "monotonic_severity.yaml",  # a general record deducts less than a minor one
}


def _subject(records: list[dict[str, object]], category: str = "retail_pharmacy") -> medcredit.Subject:
    return medcredit.Subject.model_validate(
        {"id": "92500237MA5U00002X", "category": category, "opened": "2010-01-01", "records": records}
    )


# ----------------------------------------------------------------------------- bundled packs


@pytest.mark.parametrize("name", medcredit.bundled_pack_names())
def test_bundled_pack_satisfies_every_property(name: str) -> None:
    report = run_properties(name, "ci")
    report.raise_for_failures()
    assert {o.property_id for o in report.outcomes} == set(PROPERTIES)
    # the generators reach the pack: most properties check real examples, not vacuous ones
    checked = [o for o in report.outcomes if o.status == "passed" and o.checked > 0]
    assert len(checked) >= 8, report.render()


# ----------------------------------------------------------------------------- broken packs


@pytest.mark.parametrize(("prop", "fixture"), sorted(BROKEN_PACKS.items()))
def test_broken_pack_is_caught(prop: str, fixture: str, tmp_path: Path) -> None:
    pack = medcredit.load_pack(BROKEN / fixture)
    # a budget that does not depend on how the generators' draws happen to be ordered (adding a
    # field to a record kind reorders them)
    outcome = run_property(pack, prop, "ci", max_examples=300)
    assert outcome.status == "failed", outcome
    assert f"property '{prop}' does not hold for pack '{pack.id}'" in outcome.message
    # the shrunk counterexample is small …
    cases = yaml.safe_load(outcome.cases_yaml)
    assert cases
    for case in cases:
        assert len(case["subject"]["records"]) <= 4, outcome.cases_yaml
    # … and pastes as pack-test cases that run and pass as written (expect = what the engine gives)
    text = f"pack: {BROKEN / fixture}\ncases:\n{outcome.cases_yaml}"
    CaseFile.model_validate(yaml.safe_load(text))
    case_file = tmp_path / "counterexample.cases.yaml"
    case_file.write_text(text, encoding="utf-8")
    outcomes = list(run_file(case_file))
    assert outcomes and all(o.passed for o in outcomes), [(o.name, o.differences, o.problems) for o in outcomes]


def test_the_broken_packs_break_nothing_else() -> None:
    """Each fixture breaks only its own family: accounting, trace, independence and round trip still hold.

    (A non-monotonic tier also lets an added recovery improve the score, so the monotonicity
    properties are one family.)"""
    others = [p for p in PROPERTIES if not p.startswith("monotonic_") and p != BANDS]
    for fixture in BROKEN_PACKS.values():
        report = run_properties(BROKEN / fixture, "ci", properties=others, max_examples=15)
        assert report.ok, report.render()


def test_the_sound_fixture_satisfies_every_property() -> None:
    """The control for the engine mutations in test_mutation.py."""
    report = run_properties(BROKEN / "sound.yaml", "ci")
    report.raise_for_failures()
    # the properties of dynamic packs (records in force, severity, repairs taking effect, thresholds) have
    # nothing to test in a calendar-year scorecard; every other property is exercised
    dynamic = {"out_of_force", "monotonic_severity", "repair_never_worsens", "threshold_later"}
    assert all(o.status == "passed" for o in report.outcomes if o.property_id not in dynamic), report.render()
    assert {o.property_id for o in report.outcomes if o.status == "not_applicable"} == dynamic


def test_monotonicity_counterexample_names_the_change() -> None:
    pack = medcredit.load_pack(BROKEN / "monotonic_untrustworthy.yaml")
    subject = _subject([{"kind": "inspection", "date": "2023-03-01"}])
    interview = medcredit.Record.model_validate({"kind": "interview", "date": "2023-05-01"})
    with pytest.raises(PropertyViolationError) as caught:
        check_monotonic_untrustworthy(pack, subject, 2023, interview)
    assert "the score improved from 100 to 105" in str(caught.value)
    assert [c["expect"]["score"] for c in caught.value.cases] == ["100", "105"]


# ----------------------------------------------------------------------------- exemptions


def test_an_exempted_property_is_reported_with_its_reason() -> None:
    pack = medcredit.load_pack(BROKEN / "monotonic_untrustworthy.yaml")
    reason = "this county rewards cooperation in interviews (fixture)"
    outcome = run_property(pack, MONOTONIC_UNTRUSTWORTHY, "ci", exemptions={MONOTONIC_UNTRUSTWORTHY: reason})
    assert outcome.status == "exempt"
    assert reason in outcome.message


def test_an_exemption_scoped_to_the_rewarding_rule_keeps_the_rest_of_the_property() -> None:
    pack = medcredit.load_pack(BROKEN / "monotonic_untrustworthy.yaml")
    scoped = [Exemption(MONOTONIC_UNTRUSTWORTHY, "interviews reward cooperation", ("interview",))]
    outcome = run_property(pack, MONOTONIC_UNTRUSTWORTHY, "ci", exemptions=scoped)
    assert outcome.status == "passed"
    assert outcome.checked > 0  # frauds and recoveries are still checked
    subject = _subject([{"kind": "inspection", "date": "2023-03-01"}])
    interview = medcredit.Record.model_validate({"kind": "interview", "date": "2023-05-01"})
    assert check_monotonic_untrustworthy(pack, subject, 2023, interview, exemptions=scoped) is False


def test_a_pack_declares_exemptions_in_property_exemptions() -> None:
    """Read defensively: a pack model with ``property_exemptions`` (proposed format field)."""
    pack = medcredit.load_pack(BROKEN / "monotonic_untrustworthy.yaml")
    assert pack_exemptions(pack) == ()
    declared = [
        {"property": MONOTONIC_UNTRUSTWORTHY, "reason": {"zh": "约谈加分", "en": "interviews add points"}},
    ]
    model = pack.model.model_copy(update={"property_exemptions": declared})
    exempt_pack = dataclasses.replace(pack, model=model)
    assert pack_exemptions(exempt_pack) == (Exemption(MONOTONIC_UNTRUSTWORTHY, "interviews add points"),)
    outcome = run_property(exempt_pack, MONOTONIC_UNTRUSTWORTHY, "ci")
    assert outcome.status == "exempt"
    assert "interviews add points" in outcome.message


def test_an_exemption_of_an_unknown_property_is_an_error() -> None:
    with pytest.raises(ValueError, match="did you mean 'monotonic_amount'"):
        run_properties("wushan", "ci", exemptions={"monotonic_amounts": "typo"})


# ----------------------------------------------------------------------------- the functions


def test_the_property_functions_hold_on_a_plain_wushan_subject() -> None:
    pack = medcredit.load_pack("wushan")
    subject = _subject(
        [
            {"kind": "inspection", "date": "2023-03-01"},
            {"kind": "fund_recovery", "date": "2023-04-10", "amount": "10000.00"},
            {"kind": "interview", "date": "2023-05-06"},
            {"kind": "honour", "date": "2023-06-01"},
        ]
    )
    for check in (check_accounting, check_trace_records, check_determinism, check_round_trip):
        assert check(pack, subject, 2023) is True, check.__name__
    assert check_record_order(pack, subject, 2023, [3, 2, 1, 0]) is True
    late = medcredit.Record.model_validate({"kind": "fraud", "date": "2024-01-01", "code": "fraud_other"})
    assert check_outside_cycle(pack, subject, 2023, late) is True


def test_polarity_comes_from_the_catalogue_and_the_pack() -> None:
    wushan = medcredit.load_pack("wushan")
    liaoning = medcredit.load_pack("liaoning")

    def rec(**fields: object) -> medcredit.Record:
        return medcredit.Record.model_validate({"date": "2023-05-01", **fields})

    assert record_polarity(wushan, rec(kind="interview")) == "untrustworthy"
    assert record_polarity(wushan, rec(kind="honour")) == "trustworthy"
    assert record_polarity(wushan, rec(kind="inspection")) == "neutral"  # it lifts an exclusion
    assert record_polarity(wushan, rec(kind="agreement_termination", reason="voluntary")) == "neutral"
    assert record_polarity(liaoning, rec(kind="serious_list_removal")) == "trustworthy"


def test_band_sets_are_checked_at_every_edge() -> None:
    pack = medcredit.load_pack("wushan")
    assert check_band_sets(pack) is True
    # a band set the compiler would reject (a gap at [60, 65)), built by hand
    gap = CBandSet(
        "with_gap",
        (CBand("A", parse_interval("[65, +inf)")), CBand("D", parse_interval("(-inf, 60)"))),
        pack.bands["scorecard_grades"].cite,
    )
    overlap = dataclasses.replace(gap, id="with_overlap", bands=(*gap.bands, CBand("B", parse_interval("[59, 66)"))))
    broken = dataclasses.replace(pack, bands={"with_gap": gap, "with_overlap": overlap})
    with pytest.raises(PropertyViolationError) as caught:
        check_band_sets(broken)
    message = str(caught.value)
    assert "band set with_gap: score 60 is in 0 bands" in message
    assert "band set with_overlap: score 59 is in 2 bands (D, B)" in message


def test_the_strategies_cover_the_pack() -> None:
    shape = pack_shape(medcredit.load_pack("wushan"))
    assert set(shape.categories) == {"hospital_inpatient", "outpatient_clinic", "retail_pharmacy", "village_clinic"}
    assert Decimal("10000.00") in shape.amount_edges and Decimal("9999.99") in shape.amount_edges
    assert Decimal("90.00") in shape.score_edges and Decimal("89.99") in shape.score_edges
    assert shape.cycles[0] == 2023  # 巫山 第二十七条: from 2023
    assert [r["kind"] for r in shape.enablers["retail_pharmacy"]] == ["inspection"]  # 第十五条
    assert resolve_profile("release") == "medcredit-release"


# ----------------------------------------------------------------------------- the CLI


def test_cli_properties_passes_a_sound_pack(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["properties", str(BROKEN / "sound.yaml"), "--property", ACCOUNTING, "--property", RECORD_ORDER])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.rstrip().endswith("2 passed, 0 failed")


def test_cli_properties_prints_a_pastable_counterexample(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "properties",
            str(BROKEN / "monotonic_amount.yaml"),
            "--property",
            MONOTONIC_AMOUNT,
            "--profile",
            "release",
            "--seed",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out and "- name: 'monotonic_amount:" in out
    assert out.rstrip().endswith("0 passed, 1 failed")


# ----------------------------------------------------------------------------- known engine bugs


def test_same_day_list_entries_do_not_depend_on_order() -> None:
    pack = medcredit.load_pack("zhongmou")
    subject = medcredit.Subject.model_validate(
        {
            "id": "500237198001010015",
            "category": "insured_person",
            "opened": "2010-01-01",
            "records": [
                {
                    "kind": "fraud",
                    "date": "2017-01-01",
                    "id": "r1",
                    "code": "fraud_false_claims",
                    "serious_impact": True,
                },
                {"kind": "serious_list_entry", "date": "2017-01-01", "id": "r2", "term_months": 6},
            ],
        }
    )
    check_record_order(pack, subject, 2020, [1, 0])


def test_same_day_agreement_ends_do_not_depend_on_order() -> None:
    pack = medcredit.load_pack("wushan")
    subject = _subject(
        [
            {"kind": "inspection", "date": "2023-03-01", "id": "r1"},
            {"kind": "agreement_termination", "date": "2023-09-01", "reason": "expired", "id": "r2"},
            {"kind": "agreement_termination", "date": "2023-09-01", "reason": "voluntary", "id": "r3"},
        ]
    )
    check_record_order(pack, subject, 2023, [0, 2, 1])


# ----------------------------------------------------------------------------- the Wushan oracle

WUSHAN = medcredit.load_pack("wushan")
WUSHAN_SHAPE = pack_shape(WUSHAN)


def assert_agrees_with_oracle(subject: medcredit.Subject, cycle: int) -> None:
    """The engine under the Wushan pack and the scorer written from the seed agree."""
    got = medcredit.evaluate(WUSHAN, subject, cycle, trace=False)
    want = score_subject(subject, cycle)
    engine = (got.status, got.grade, str(got.score) if got.status == "graded" else None)
    oracle = (want.status, want.grade, None if want.score is None else str(want.score))
    assert engine == oracle, f"engine {engine} != oracle {oracle} for cycle {cycle}:\n{subject.model_dump_json()}"


@st.composite
def wushan_histories(draw: st.DrawFn) -> tuple[medcredit.Subject, int]:
    cycle = draw(st.sampled_from(WUSHAN_SHAPE.cycles[:3]))
    category = draw(st.sampled_from(["outpatient_clinic", "retail_pharmacy", "hospital_inpatient", "village_clinic"]))
    return draw(subjects(WUSHAN_SHAPE, cycle, category=category, max_records=8)), cycle


@settings(settings.get_profile(resolve_profile(None)), max_examples=300)
@given(wushan_histories())
def test_wushan_engine_agrees_with_the_oracle(case: tuple[medcredit.Subject, int]) -> None:
    assert_agrees_with_oracle(*case)


@pytest.mark.parametrize(
    ("records", "grade", "score"),
    [
        ([{"kind": "interview", "date": "2023-05-06"}] * 2, "A", 90),  # 90 is A (第二十六条)
        ([{"kind": "fund_recovery", "date": "2023-04-10", "amount": "10000.00"}], "A", 95),
        ([{"kind": "fund_recovery", "date": "2023-04-10", "amount": "9999.99"}], "A", 98),
        (
            [{"kind": "fraud", "date": "2023-04-10", "code": "fraud_other"}] * 1
            + [{"kind": "late_refund", "date": "2023-06-01"}] * 3,
            "B",
            65,
        ),
        ([{"kind": "fraud", "date": "2023-04-10", "code": "fraud_other"}] * 2, "C", 60),
    ],
)
def test_wushan_oracle_at_the_edges(records: list[dict[str, object]], grade: str, score: int) -> None:
    subject = _subject([{"kind": "inspection", "date": "2023-03-01"}, *records])
    want = score_subject(subject, 2023)
    assert (want.grade, want.score) == (grade, score)
    assert_agrees_with_oracle(subject, 2023)


def test_wushan_oracle_reads_the_exclusions() -> None:
    opened_late = medcredit.Subject.model_validate(
        {
            "id": "92500237MA5U00002X",
            "category": "retail_pharmacy",
            "opened": "2023-07-02",
            "records": [{"kind": "inspection", "date": "2023-10-10"}],
        }
    )
    assert score_subject(opened_late, 2023).status == "excluded"  # 第十九条（四）
    # 《民法典》第二百零一条: the opening day is not counted (interpretation operating_months)
    opened_july_first = opened_late.model_copy(update={"opened": dt.date(2023, 7, 1)})
    assert score_subject(opened_july_first, 2023).status == "excluded"
    opened_june_30 = opened_late.model_copy(update={"opened": dt.date(2023, 6, 30)})
    assert score_subject(opened_june_30, 2023).status == "graded"
    assert score_subject(_subject([]), 2023).status == "excluded"  # 第十五条: not inspected
    for subject in (opened_late, opened_july_first, opened_june_30, _subject([])):
        assert_agrees_with_oracle(subject, 2023)


def test_the_pack_format_and_the_kit_name_the_same_properties() -> None:
    """A pack names properties by id (pack layer); the kit implements them (testing layer)."""
    from medcredit.pack.property_ids import PROPERTY_IDS
    from medcredit.testing import PROPERTIES

    assert list(PROPERTIES) == list(PROPERTY_IDS)


def test_every_pack_format_property_id_is_registered_once_in_order() -> None:
    from medcredit.pack.property_ids import PROPERTY_IDS
    from medcredit.testing.registry import REGISTERED

    assert list(REGISTERED) == list(PROPERTY_IDS)
    assert all(p.summary and "\n" not in p.summary for p in REGISTERED.values())


def test_registration_is_validated() -> None:
    from medcredit.testing.registry import register

    with pytest.raises(ValueError, match="not a property id"):
        register("monotonic_trustworthyy", "a typo")
    with pytest.raises(ValueError, match="registered twice"):
        register("bands", "again")
    with pytest.raises(ValueError, match="one-line summary"):
        register("bands", "")


def test_an_unknown_property_is_a_typed_error_with_a_suggestion() -> None:
    from medcredit.diagnostics.errors import MedcreditError
    from medcredit.testing import run_property

    with pytest.raises(MedcreditError, match="did you mean 'bands'"):
        run_property("wushan", "bandz")
