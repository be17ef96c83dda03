"""Drive the generic properties with generated histories: profiles, drivers, the report.

:func:`run_properties` runs every property of :mod:`medcredit.testing.properties`
on one pack with the hypothesis profile asked for, and returns a
:class:`PropertyReport`; a failing property carries its shrunk counterexample as
pack-test cases.  The profiles are registered with hypothesis but never loaded
globally, so importing this module changes no other test's settings.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from medcredit.diagnostics.errors import ExpressionError
from medcredit.history.catalogue import catalogue
from medcredit.history.model import INSTITUTION_CATEGORIES, Record, Subject, SubjectCategory
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack
from medcredit.testing import properties as props
from medcredit.testing import registry
from medcredit.testing.registry import register
from medcredit.testing.strategies import (
    PackShape,
    amounts,
    build_subject,
    cycles,
    dates,
    in_cycle_dates,
    pack_shape,
    record_data,
    subject_data,
    subjects,
    weighted,
)

CI_PROFILE = "medcredit-ci"
RELEASE_PROFILE = "medcredit-release"
#: Short names accepted wherever a profile is named (CLI ``--profile ci|release``).
PROFILE_ALIASES = {"ci": CI_PROFILE, "release": RELEASE_PROFILE}
#: Environment variable that picks the profile for :func:`assert_properties` (e.g. ``release``).
PROFILE_ENV = "MEDCREDIT_PROPERTIES_PROFILE"

_HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
]

settings.register_profile(
    CI_PROFILE,
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    report_multiple_bugs=False,
    suppress_health_check=_HEALTH,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
settings.register_profile(
    RELEASE_PROFILE,
    max_examples=1000,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=False,
    report_multiple_bugs=False,
    suppress_health_check=_HEALTH,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)

Status = Literal["passed", "failed", "exempt", "not_applicable", "error"]


@dataclass(frozen=True, slots=True)
class PropertyOutcome:
    """How one property fared on one pack."""

    property_id: str
    status: Status
    checked: int = 0
    message: str = ""
    seconds: float = 0.0
    cases_yaml: str = ""  # a failure's counterexample, as pack-test cases

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "exempt", "not_applicable")


@dataclass(frozen=True, slots=True)
class PropertyReport:
    """Every property's outcome on one pack."""

    pack_id: str
    profile: str
    outcomes: tuple[PropertyOutcome, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    @property
    def failures(self) -> tuple[PropertyOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    def outcome(self, property_id: str) -> PropertyOutcome:
        for o in self.outcomes:
            if o.property_id == property_id:
                return o
        raise KeyError(property_id)

    def render(self) -> str:
        lines = [f"properties of pack '{self.pack_id}' (profile {self.profile})"]
        for o in self.outcomes:
            detail = {
                "passed": f"{o.checked} example(s) checked",
                "exempt": o.message,
                "not_applicable": o.message,
            }.get(o.status, "")
            lines.append(f"  {o.status.upper():<14} {o.property_id:<24} {detail} ({o.seconds:.1f}s)".rstrip())
        for o in self.failures:
            lines.append("")
            lines.append(f"--- {o.property_id}")
            lines.append(o.message)
        passed = sum(1 for o in self.outcomes if o.ok)
        lines.append(f"{passed} passed, {len(self.outcomes) - passed} failed")
        return "\n".join(lines) + "\n"

    def raise_for_failures(self) -> None:
        """Raise AssertionError with every failure's counterexample when a property failed."""
        if not self.ok:
            raise AssertionError(self.render())


def resolve_profile(profile: str | None) -> str:
    """A registered profile name from ``ci``, ``release`` or a full hypothesis profile name."""
    if profile is None:
        profile = os.environ.get(PROFILE_ENV) or CI_PROFILE
    return PROFILE_ALIASES.get(profile, profile)


# ----------------------------------------------------------------------------- drivers


class _Counter:
    def __init__(self) -> None:
        self.checked = 0

    def add(self, ok: bool) -> None:
        if ok:
            self.checked += 1


Driver = Callable[[CompiledPack, PackShape, settings, props.Exemptions, _Counter], Callable[[], None] | None]


def _kinds_of(shape: PackShape, wanted: Callable[[str], bool]) -> tuple[str, ...]:
    return tuple(k for k in shape.all_kinds if wanted(k))


def _record(data: dict[str, Any]) -> Record:
    # records are validated with the subject; one invalid alone is discarded like a subject
    return build_subject({"id": "x", "category": "other_individual", "records": [data]}).records[0]


@st.composite
def _subject_cycle_record(
    draw: st.DrawFn, shape: PackShape, kinds: tuple[str, ...], *, inside: bool = True, max_records: int = 6
) -> tuple[Subject, int, Record]:
    cycle = draw(cycles(shape))
    subject = draw(subjects(shape, cycle, max_records=max_records))
    start, end = dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)
    when = st.dates(min_value=start, max_value=end) if inside else dates(cycle)
    used = tuple(k for k in kinds if k in shape.pack.kind_to_facts)
    if used and used != kinds:
        # kinds the pack uses three times as often as the others
        kinds = draw(weighted((3, st.just(used)), (1, st.just(kinds))))
    data = draw(record_data(shape, cycle, kinds=kinds, date=when))
    return subject, cycle, _record({**data, "id": "added"})


def _may_be(shape: PackShape, polarity: props.Polarity) -> tuple[str, ...]:
    """Kinds some record of which may have ``polarity`` in this pack."""
    possible = props.kinds_that_may_be(shape.pack, polarity)
    return _kinds_of(shape, lambda k: k in possible)


def _added_driver(prop: str, polarity: props.Polarity) -> Driver:
    check = props.check_monotonic_untrustworthy if polarity == "untrustworthy" else props.check_monotonic_trustworthy

    def make(
        pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
    ) -> Callable[[], None] | None:
        kinds = _may_be(shape, polarity)
        if not kinds:
            return None

        @cfg
        @given(_subject_cycle_record(shape, kinds, inside=True))
        def run(case: tuple[Subject, int, Record]) -> None:
            subject, cycle, record = case
            counter.add(check(pack, subject, cycle, record, exemptions=exemptions))

        return run

    return make


def _amount_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    cat = catalogue()
    kinds = _kinds_of(shape, lambda k: "amount" in cat.record_kinds[k].fields and k in pack.kind_to_facts)
    if not kinds:
        return None

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, int, Decimal]:
        cycle = draw(cycles(shape))
        data = draw(subject_data(shape, cycle, max_records=4))
        extra = draw(
            record_data(shape, cycle, kinds=kinds, date=st.dates(dt.date(cycle, 1, 1), dt.date(cycle, 12, 31)))
        )
        data["records"] = [*data["records"], {**extra, "id": "grown"}]
        subject = build_subject(data)
        grown = subject.records[-1]
        old = grown.amount if grown.amount is not None else Decimal(0)
        # the larger amount lands on a tier edge (±0.01) most of the time
        target = draw(amounts(shape))
        if target <= old:
            target = old + draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=2))
        return subject, cycle, len(subject.records) - 1, target - old

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, int, Decimal]) -> None:
        subject, cycle, index, increase = case
        counter.add(props.check_monotonic_amount(pack, subject, cycle, index, increase, exemptions=exemptions))

    return run


def _subject_driver(prop: str) -> Driver:
    check = props.SUBJECT_CHECKS[prop]

    def make(
        pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
    ) -> Callable[[], None] | None:
        @st.composite
        def cases(draw: st.DrawFn) -> tuple[Subject, int]:
            cycle = draw(cycles(shape))
            return draw(subjects(shape, cycle)), cycle

        @cfg
        @given(cases())
        def run(case: tuple[Subject, int]) -> None:
            subject, cycle = case
            counter.add(check(pack, subject, cycle, exemptions=exemptions))

        return run

    return make


def _bands_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    if not pack.bands:
        return None
    inner = _subject_driver(props.BANDS)(pack, shape, cfg, exemptions, counter)

    def run() -> None:
        counter.add(props.check_band_sets(pack, exemptions=exemptions))
        if inner is not None:
            inner()

    return run


def _order_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, list[int]]:
        cycle = draw(cycles(shape))
        data = draw(subject_data(shape, cycle, max_records=6))
        # copies of some records on other days: several records of one kind are where order can matter
        if data["records"]:
            copies = draw(st.lists(st.sampled_from(data["records"]), max_size=3))
            data["records"] = [
                *data["records"],
                *({**r, "id": f"{r['id']}c{i}", "date": draw(dates(cycle))} for i, r in enumerate(copies)),
            ]
        subject = build_subject(data)
        perm = draw(st.permutations(range(len(subject.records))))
        return subject, cycle, list(perm)

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, list[int]]) -> None:
        subject, cycle, perm = case
        counter.add(props.check_record_order(pack, subject, cycle, perm, exemptions=exemptions))

    return run


def _unrelated_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    inst = [c for c in SubjectCategory if c in INSTITUTION_CATEGORIES]

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, list[Subject]]:
        cycle = draw(cycles(shape))
        subject = draw(subjects(shape, cycle, n=1))
        others = [
            draw(subjects(shape, cycle, n=2, max_records=4)),
            draw(subjects(shape, cycle, n=3, max_records=4, category=draw(st.sampled_from(inst)).value)),
        ]
        return subject, cycle, others

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, list[Subject]]) -> None:
        subject, cycle, others = case
        counter.add(props.check_unrelated_subjects(pack, subject, cycle, others, exemptions=exemptions))

    return run


def _outside_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, Record]:
        cycle = draw(cycles(shape))
        subject = draw(subjects(shape, cycle))
        edges = st.sampled_from((dt.date(cycle + 1, 1, 1), dt.date(cycle - 1, 12, 31)))
        after = st.dates(min_value=dt.date(cycle + 1, 1, 1), max_value=dt.date(cycle + 2, 12, 31))
        before = st.dates(min_value=dt.date(cycle - 3, 1, 1), max_value=dt.date(cycle - 1, 12, 31))
        data = draw(record_data(shape, cycle, date=weighted((1, edges), (2, after), (2, before))))
        if "year" in data:
            data["year"] = draw(st.sampled_from((cycle + 1, cycle - 1)))
        return subject, cycle, _record({**data, "id": "outside"})

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, Record]) -> None:
        subject, cycle, record = case
        counter.add(props.check_outside_cycle(pack, subject, cycle, record, exemptions=exemptions))

    return run


def _out_of_force_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    kinds = tuple(sorted({k for f in pack.facts if f.in_force for k in f.kinds}))
    if not kinds:
        return None

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, Record]:
        cycle = draw(cycles(shape))
        subject = draw(subjects(shape, cycle))
        past = st.dates(min_value=dt.date(cycle - 4, 1, 1), max_value=dt.date(cycle, 12, 31))
        data = draw(record_data(shape, cycle, kinds=kinds, date=past))
        return subject, cycle, _record({**data, "id": "expired"})

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, Record]) -> None:
        subject, cycle, record = case
        counter.add(props.check_out_of_force(pack, subject, cycle, record, exemptions=exemptions))

    return run


def _severity_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    kinds = tuple(sorted(k for k, spec in catalogue().record_kinds.items() if "severity" in spec.fields))
    if not shape.dynamic or not any(k in pack.kind_to_facts for k in kinds):
        return None

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, Record]:
        cycle = draw(cycles(shape))
        subject = draw(subjects(shape, cycle))
        # late in the cycle: a record still in force at its end under any publicity window
        late = st.dates(min_value=dt.date(cycle, 11, 1), max_value=dt.date(cycle, 12, 31))
        data = draw(record_data(shape, cycle, kinds=kinds, date=weighted((3, late), (1, in_cycle_dates(cycle)))))
        data["severity"] = draw(st.sampled_from(("minor", "general")))
        return subject, cycle, _record({**data, "id": "graded_by_severity"})

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, Record]) -> None:
        subject, cycle, record = case
        counter.add(props.check_monotonic_severity(pack, subject, cycle, record, exemptions=exemptions))

    return run


def _repair_effect_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    if pack.repair_takes_effect is None:
        return None

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, Record]:
        cycle = draw(cycles(shape))
        data = draw(subject_data(shape, cycle, max_records=5))
        if not data["records"]:
            data["records"] = [draw(record_data(shape, cycle))]
        target = draw(st.integers(0, len(data["records"]) - 1))
        data["records"] = [{**r, "id": f"r{k}"} for k, r in enumerate(data["records"])]
        subject = build_subject(data)
        when = draw(st.dates(min_value=dt.date(cycle - 2, 1, 1), max_value=dt.date(cycle, 12, 31)))
        return subject, cycle, _record({"kind": "repair_granted", "date": when, "ref": f"r{target}", "id": "fix"})

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, Record]) -> None:
        subject, cycle, repair = case
        counter.add(props.check_repair_never_worsens(pack, subject, cycle, repair, exemptions=exemptions))

    return run


def _threshold_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    if not pack.thresholds:
        return None

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, int, int, int]:
        cycle = draw(cycles(shape))
        subject = draw(subjects(shape, cycle))
        index = draw(st.integers(0, max(0, len(subject.records) - 1)))
        return subject, cycle, index, draw(st.sampled_from((1, 2, 30, 200)))

    @cfg
    @given(cases())
    def run(case: tuple[Subject, int, int, int]) -> None:
        subject, cycle, index, days = case
        counter.add(props.check_threshold_later(pack, subject, cycle, index, days, exemptions=exemptions))

    return run


def _repair_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    routes = pack.model.repair
    if not routes:
        return None
    repairable = tuple(sorted({k for r in routes for k in r.applies_to.kinds}))
    declarations = props.declarations_of(pack)

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Subject, str, dt.date, dict[str, bool]]:
        cycle = draw(cycles(shape))
        data = draw(subject_data(shape, cycle, max_records=5))
        target = draw(record_data(shape, cycle, kinds=repairable))
        data["records"] = [{**target, "id": "target"}, *data["records"]]
        subject = build_subject(data)
        latest = max(r.date for r in subject.records)
        on = latest + dt.timedelta(days=draw(st.integers(min_value=0, max_value=1200)))
        denied = draw(st.sets(st.sampled_from(sorted(declarations)))) if declarations else set()
        decl = {k: k not in denied for k in declarations}
        return subject, "target", on, decl

    @cfg
    @given(cases())
    def run(case: tuple[Subject, str, dt.date, dict[str, bool]]) -> None:
        subject, rid, on, decl = case
        counter.add(props.check_repair_earliest(pack, subject, rid, on, declarations=decl, exemptions=exemptions))

    return run


def _deadline_driver(
    pack: CompiledPack, shape: PackShape, cfg: settings, exemptions: props.Exemptions, counter: _Counter
) -> Callable[[], None] | None:
    ids = [d.id for d in pack.model.deadlines]
    if not ids:
        return None
    from medcredit.time.official_calendar import package_announced_years

    years = sorted(package_announced_years())
    first, last = dt.date(years[0], 1, 1), dt.date(years[-1], 10, 31)
    cycle_years = [y for y in shape.cycles if years[0] <= y <= years[-1]] or years
    near = st.dates(min_value=dt.date(cycle_years[0], 1, 1), max_value=min(last, dt.date(cycle_years[-1], 12, 31)))

    @cfg
    @given(st.sampled_from(ids), st.one_of(near, st.dates(min_value=first, max_value=last)))
    def run(deadline_id: str, start: dt.date) -> None:
        counter.add(props.check_deadline_working_days(pack, deadline_id, start, exemptions=exemptions))

    return run


# Registration order is the order properties run in (and the order of PROPERTY_IDS).
register(
    props.MONOTONIC_UNTRUSTWORTHY,
    "adding an untrustworthy record never improves the grade or score",
    not_applicable="the pack uses no untrustworthy record kind",
)(_added_driver(props.MONOTONIC_UNTRUSTWORTHY, "untrustworthy"))
register(
    props.MONOTONIC_TRUSTWORTHY,
    "adding a trustworthy record never worsens the grade or score",
    not_applicable="the pack uses no trustworthy record kind",
)(_added_driver(props.MONOTONIC_TRUSTWORTHY, "trustworthy"))
register(
    props.MONOTONIC_AMOUNT,
    "a larger amount never lowers a deduction (nor improves the grade or score)",
    not_applicable="no fact of the pack takes records with an amount",
)(_amount_driver)
register(props.ACCOUNTING, "the points in the trace add up to the score")(_subject_driver(props.ACCOUNTING))
register(
    props.TRACE_RECORDS, "every input record appears in the trace exactly once, used or not applicable with a reason"
)(_subject_driver(props.TRACE_RECORDS))
register(props.BANDS, "every reachable score maps to exactly one grade", not_applicable="the pack has no bands")(
    _bands_driver
)
register(props.RECORD_ORDER, "the order of the records does not change the result")(_order_driver)
register(
    props.UNRELATED_SUBJECTS, "other subjects evaluated before, and unrelated institutions, do not change the result"
)(_unrelated_driver)
register(props.OUTSIDE_CYCLE, "records outside the cycle do not change the result")(_outside_driver)
register(
    props.OUT_OF_FORCE,
    "a record out of force on the evaluation date does not change the result",
    not_applicable="no fact counts records in force",
)(_out_of_force_driver)
register(
    props.MONOTONIC_SEVERITY,
    "a more severe record never gives a better grade or score",
    not_applicable="the pack does not read records' severity",
)(_severity_driver)
register(
    props.REPAIR_NEVER_WORSENS,
    "a granted repair never worsens the grade or the score",
    not_applicable="the pack declares no repair_effect",
)(_repair_effect_driver)
register(
    props.THRESHOLD_LATER,
    "a record dated later never makes a threshold's sanction start earlier",
    not_applicable="the pack declares no thresholds",
)(_threshold_driver)
register(props.DETERMINISM, "the same input gives the same bytes; keeping a trace does not change the decision")(
    _subject_driver(props.DETERMINISM)
)
register(props.ROUND_TRIP, "results, traces and histories survive JSON serialisation")(
    _subject_driver(props.ROUND_TRIP)
)
register(
    props.REPAIR_EARLIEST,
    "a repair's earliest date is the first date on which its time conditions hold",
    not_applicable="the pack declares no repair routes",
)(_repair_driver)
register(
    props.DEADLINE_WORKING_DAYS, "deadlines land on working days", not_applicable="the pack declares no deadlines"
)(_deadline_driver)


def _settings(profile: str | None, seed: int | None, max_examples: int | None, shrink: bool = True) -> settings:
    base = settings.get_profile(resolve_profile(profile))
    changes: dict[str, Any] = {}
    if not shrink:
        changes["phases"] = [p for p in base.phases if p is not Phase.shrink]
    if seed is not None:
        changes["derandomize"] = False
    if max_examples is not None:
        changes["max_examples"] = max_examples
    return settings(base, **changes)


def run_property(
    pack: CompiledPack | str | Path,
    property_id: str,
    profile: str | None = None,
    *,
    exemptions: props.Exemptions = None,
    seed: int | None = None,
    max_examples: int | None = None,
    shrink: bool = True,
) -> PropertyOutcome:
    """Run one property on generated histories; never raises for a failing property.

    ``shrink=False`` reports the first failing example unshrunk (quicker, less readable).
    """
    compiled = pack if isinstance(pack, CompiledPack) else load_pack(pack)
    prop = registry.get(property_id)
    props.fresh_evaluators()
    began = time.perf_counter()
    table = props.normalise_exemptions(compiled, exemptions)
    whole = next((e for e in table.get(property_id, ()) if not e.elements), None)
    if whole is not None:
        return PropertyOutcome(property_id, "exempt", 0, f"exempted by the pack: {whole.reason}")
    try:
        shape = pack_shape(compiled)  # evaluates the pack on simple histories, to find what enables each path
    except ExpressionError as exc:
        # a pack expression that cannot be computed (1 / inspections with none) fails every property: a finding
        # about the pack, reported as such, not a crash of the run
        message = f"the pack cannot evaluate a generated history: {exc}"
        return PropertyOutcome(property_id, "failed", 0, message, time.perf_counter() - began)
    if not shape.cycles:
        return PropertyOutcome(property_id, "not_applicable", 0, "the pack is valid for no cycle in 2015–2035")
    counter = _Counter()
    test = prop.driver(compiled, shape, _settings(profile, seed, max_examples, shrink), exemptions, counter)
    if test is None:
        return PropertyOutcome(property_id, "not_applicable", 0, prop.not_applicable)
    if seed is not None:
        test = hypothesis_seed(seed)(test)
    try:
        test()
    except props.PropertyViolationError as exc:
        elapsed = time.perf_counter() - began
        return PropertyOutcome(property_id, "failed", counter.checked, exc.render(), elapsed, exc.cases_yaml)
    except ExpressionError as exc:
        message = f"the pack cannot evaluate a generated history: {exc}"
        return PropertyOutcome(property_id, "failed", counter.checked, message, time.perf_counter() - began)
    except Unsatisfiable as exc:
        return PropertyOutcome(property_id, "error", counter.checked, f"no valid example: {exc}")
    except Exception as exc:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return PropertyOutcome(property_id, "error", counter.checked, text, time.perf_counter() - began)
    return PropertyOutcome(property_id, "passed", counter.checked, "", time.perf_counter() - began)


def run_properties(
    pack: CompiledPack | str | Path,
    profile: str | None = None,
    *,
    properties: Iterable[str] | None = None,
    exemptions: props.Exemptions = None,
    seed: int | None = None,
    max_examples: int | None = None,
) -> PropertyReport:
    """Run the generic properties (all, or ``properties``) on a pack: a bundled name, a path, or compiled.

    ``profile`` is ``ci`` (40 examples per property, derandomised: the same examples on
    every run), ``release`` (1000, random; pass ``seed`` to repeat a run) or any
    registered hypothesis profile; by default the ``MEDCREDIT_PROPERTIES_PROFILE``
    environment variable, else ``ci``.
    """
    compiled = pack if isinstance(pack, CompiledPack) else load_pack(pack)
    wanted: Sequence[str] = list(properties) if properties is not None else list(registry.REGISTERED)
    props.normalise_exemptions(compiled, exemptions)  # unknown property ids fail before anything runs
    outcomes = tuple(
        run_property(compiled, prop, profile, exemptions=exemptions, seed=seed, max_examples=max_examples)
        for prop in wanted
    )
    return PropertyReport(compiled.id, resolve_profile(profile), outcomes)


def assert_properties(
    pack: CompiledPack | str | Path,
    profile: str | None = None,
    *,
    properties: Iterable[str] | None = None,
    exemptions: props.Exemptions = None,
) -> PropertyReport:
    """The pytest entry point: run the properties and fail with every counterexample.

    ``def test_my_pack(): assert_properties("policies/my_pack.yaml")``; set
    ``MEDCREDIT_PROPERTIES_PROFILE=release`` for the long run.
    """
    report = run_properties(pack, profile, properties=properties, exemptions=exemptions)
    report.raise_for_failures()
    return report
