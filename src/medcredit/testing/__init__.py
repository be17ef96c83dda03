"""Property-based testing of policy packs: strategies, generic properties, one command.

Run every generic property on a pack (a bundled name, a path, or a compiled pack)::

    medcredit properties policies/my_pack.yaml            # CI profile: fast, same examples every run
    medcredit properties my_pack.yaml --profile release   # 1000 examples per property
    medcredit properties my_pack.yaml --profile release --seed 7

or from pytest::

    from medcredit.testing import assert_properties

    def test_my_pack_properties():
        assert_properties("policies/my_pack.yaml")   # MEDCREDIT_PROPERTIES_PROFILE=release for the long run

Each property is also a plain function (``check_accounting(pack, subject, cycle)``
…) that returns True when it was checked and held, False when it did not apply,
and raises :class:`PropertyViolationError` (an ``AssertionError``) when it does not
hold.  Hypothesis shrinks a failing history before it is reported, and the
message carries it as pack-test cases (``name``, ``cycle``, ``subject``,
``expect``) to paste under ``cases:`` in a ``*.cases.yaml`` file; ``expect``
holds what the engine gives now, to be corrected to what the pack should give.

A pack that breaks a property on purpose declares it, with the reason, in
``property_exemptions`` (see :func:`pack_exemptions`); callers may also pass
``exemptions={"monotonic_trustworthy": "why"}``.

Profiles (registered with hypothesis, never loaded globally): ``medcredit-ci``
(40 examples per property, derandomised, no example database) and
``medcredit-release`` (1000 examples, random; ``seed`` repeats a run).
"""

from collections.abc import Mapping
from types import MappingProxyType

from medcredit.testing.properties import (
    ACCOUNTING,
    BANDS,
    DEADLINE_WORKING_DAYS,
    DETERMINISM,
    MONOTONIC_AMOUNT,
    MONOTONIC_TRUSTWORTHY,
    MONOTONIC_UNTRUSTWORTHY,
    OUTSIDE_CYCLE,
    RECORD_ORDER,
    REPAIR_EARLIEST,
    ROUND_TRIP,
    TRACE_RECORDS,
    TRUSTWORTHY_KINDS,
    UNRELATED_SUBJECTS,
    UNTRUSTWORTHY_KINDS,
    Exemption,
    Exemptions,
    PropertyViolationError,
    cases_yaml,
    check_accounting,
    check_band_sets,
    check_bands,
    check_deadline_working_days,
    check_determinism,
    check_monotonic_amount,
    check_monotonic_trustworthy,
    check_monotonic_untrustworthy,
    check_outside_cycle,
    check_record_order,
    check_repair_earliest,
    check_round_trip,
    check_trace_records,
    check_unrelated_subjects,
    decision,
    evaluation_case,
    outside_cycle_irrelevant,
    pack_exemptions,
    record_polarity,
)
from medcredit.testing.registry import REGISTERED, Property, UnknownPropertyError
from medcredit.testing.runner import (
    CI_PROFILE,
    PROFILE_ENV,
    RELEASE_PROFILE,
    PropertyOutcome,
    PropertyReport,
    assert_properties,
    resolve_profile,
    run_properties,
    run_property,
)
from medcredit.testing.strategies import (
    PackShape,
    amounts,
    cycles,
    dates,
    pack_shape,
    record_data,
    records,
    scores,
    subject_and_cycle,
    subject_data,
    subjects,
)

#: Every property id with its one-line summary, in the order they run (from the registry).
PROPERTIES: Mapping[str, str] = MappingProxyType({p.id: p.summary for p in REGISTERED.values()})

__all__ = [
    "ACCOUNTING",
    "BANDS",
    "CI_PROFILE",
    "DEADLINE_WORKING_DAYS",
    "DETERMINISM",
    "MONOTONIC_AMOUNT",
    "MONOTONIC_TRUSTWORTHY",
    "MONOTONIC_UNTRUSTWORTHY",
    "OUTSIDE_CYCLE",
    "PROFILE_ENV",
    "PROPERTIES",
    "RECORD_ORDER",
    "RELEASE_PROFILE",
    "REPAIR_EARLIEST",
    "ROUND_TRIP",
    "TRACE_RECORDS",
    "TRUSTWORTHY_KINDS",
    "UNRELATED_SUBJECTS",
    "UNTRUSTWORTHY_KINDS",
    "Exemption",
    "Exemptions",
    "PackShape",
    "Property",
    "PropertyOutcome",
    "PropertyReport",
    "PropertyViolationError",
    "UnknownPropertyError",
    "amounts",
    "assert_properties",
    "cases_yaml",
    "check_accounting",
    "check_band_sets",
    "check_bands",
    "check_deadline_working_days",
    "check_determinism",
    "check_monotonic_amount",
    "check_monotonic_trustworthy",
    "check_monotonic_untrustworthy",
    "check_outside_cycle",
    "check_record_order",
    "check_repair_earliest",
    "check_round_trip",
    "check_trace_records",
    "check_unrelated_subjects",
    "cycles",
    "dates",
    "decision",
    "evaluation_case",
    "outside_cycle_irrelevant",
    "pack_exemptions",
    "pack_shape",
    "record_data",
    "record_polarity",
    "records",
    "resolve_profile",
    "run_properties",
    "run_property",
    "scores",
    "subject_and_cycle",
    "subject_data",
    "subjects",
]
