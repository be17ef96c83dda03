"""The pure evaluation engine: (pack, subject history, cycle) → result.

No I/O and no clock: the caller passes the cycle.  One pass over the records
feeds every fact (:mod:`~medcredit.engine.aggregation`); exclusions, the
grading path, the bands and the measures are then applied to those facts
(:mod:`~medcredit.engine.decision`).  Every input record ends up in the trace,
used by named pack elements or not applicable with a reason.

:class:`Evaluator` owns a compiled pack and a cache of decisions: subjects with
the same shape of history share one decision, which makes whole-province runs
cheap.  It is safe to share across threads.  The module-level :func:`evaluate`
keeps no state between calls.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from medcredit.diagnostics.errors import ArgumentError, ValidityError
from medcredit.engine.aggregation import tally
from medcredit.engine.arguments import check_cycle, check_evaluate_arguments
from medcredit.engine.decision import Decision, DecisionInput, decide
from medcredit.engine.lists import consequences, end_measures_at_terms, imported_consequences, listings
from medcredit.engine.memory import (
    days_since,
    prior_results,
    prior_values,
    repaired,
    repaired_steps,
    sanctions,
    tenure,
)
from medcredit.engine.operation import operation
from medcredit.engine.validity import check_validity, records_override_notice, validity_message
from medcredit.engine.window import Point, evaluation_point
from medcredit.history.identifiers import resident_id_problem, uscc_problem
from medcredit.history.model import INSTITUTION_CATEGORIES, Record, Subject
from medcredit.pack.compiled import CompiledPack
from medcredit.trace.result import Consequence, InputRecord, Notice, RecordUse, Result, Status
from medcredit.trace.steps import RollUpStep, RuleStep, ScopeStep, Step, ValidityStep, WindowStep

if TYPE_CHECKING:
    from medcredit.engine.codegen.program import CompactResult  # codegen builds on this module

#: Decisions kept per evaluator by default: enough for the common shapes of history (most
#: subjects share a few), small enough that a whole province streams in flat memory.
DEFAULT_CACHE_LIMIT = 4096


class DecisionCache:
    """A bounded map from a history's shape to its decision, safe to share across threads.

    Look-ups take no lock (a dict read is atomic); inserting and evicting the oldest
    entry happen under one lock, so concurrent writers never evict the same key twice
    or iterate a dict another thread is changing.  Measured against one cache per thread
    (bench/threads.py): about 12% cheaper per subject, as threads share the hits.
    """

    __slots__ = ("_entries", "_lock", "limit")

    def __init__(self, limit: int = DEFAULT_CACHE_LIMIT) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ArgumentError(f"a decision cache holds a whole number of entries, at least one; got {limit!r:.40}")
        self.limit = limit
        self._entries: dict[Any, Decision] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Decision | None:
        return self._entries.get(key)

    def put(self, key: Any, decision: Decision) -> None:
        with self._lock:
            entries = self._entries
            while len(entries) >= self.limit:
                del entries[next(iter(entries))]  # oldest first: dicts keep insertion order
            entries[key] = decision

    def __len__(self) -> int:
        return len(self._entries)


class Evaluator:
    """Evaluates subjects under one compiled pack, sharing decisions between alike histories.

    ``cache=None`` evaluates without a cache (every decision computed afresh); pass a
    :class:`DecisionCache` to choose its size.  Results are the same either way.
    """

    __slots__ = ("cache", "pack", "program")

    def __init__(
        self, pack: CompiledPack, cache: DecisionCache | int | None = DEFAULT_CACHE_LIMIT, *, compiled: bool = False
    ) -> None:
        self.pack = pack
        self.cache: DecisionCache | None = DecisionCache(cache) if isinstance(cache, int) else cache
        self.program: Any = _program(pack) if compiled else None  # generated code: engine.codegen

    def evaluate(
        self,
        subject: Subject,
        cycle: int | None = None,
        *,
        as_of: dt.date | None = None,
        trace: bool = True,
        override_validity: bool = False,
    ) -> Result:
        """Evaluate one subject for one cycle (or, for an as-of pack, as of a date).  Pure."""
        check_evaluate_arguments(self.pack, subject)
        point = evaluation_point(self.pack, cycle, as_of)
        if self.program is not None and point.as_of is None:  # generated code: calendar-year packs only
            return self.program.evaluate(self, subject, point.cycle, trace, override_validity)  # type: ignore[no-any-return]
        return _evaluate(self, subject, point, trace, override_validity)

    def evaluate_compact(
        self,
        subject: Subject,
        cycle: int | None = None,
        *,
        as_of: dt.date | None = None,
        trace: bool = True,
        override_validity: bool = False,
    ) -> Result | CompactResult:
        """As :meth:`evaluate`, but a subject graded by generated code comes back compact.

        A writer that can render the compact form directly (``medcredit.render.direct``) skips building
        the typed steps and the Result; :meth:`CompactResult.result` gives the same :class:`Result` as
        :meth:`evaluate`.
        """
        check_evaluate_arguments(self.pack, subject)
        point = evaluation_point(self.pack, cycle, as_of)
        if self.program is not None and point.as_of is None:
            compact: CompactResult | None = self.program.compact(self, subject, point.cycle, override_validity, trace)
            if compact is not None:
                return compact
        return _evaluate(self, subject, point, trace, override_validity)


def _program(pack: CompiledPack) -> Any:
    from medcredit.engine.codegen import program_for  # codegen builds on this module

    return program_for(pack)


def evaluate(
    pack: CompiledPack,
    subject: Subject,
    cycle: int | None = None,
    *,
    as_of: dt.date | None = None,
    trace: bool = True,
    override_validity: bool = False,
) -> Result:
    """Evaluate one subject for one cycle.  Pure: same inputs, same result, no state kept.

    A pack whose ``cycle.kind`` is ``as_of`` or ``rolling`` evaluates as of a date: pass ``as_of``
    (a year as ``cycle`` means its 31 December).  Raises
    :class:`~medcredit.diagnostics.errors.ArgumentError` for arguments of the wrong type, a cycle out
    of range, or ``as_of`` for a calendar-year pack.

    For many subjects use :class:`Evaluator`, which shares decisions between alike histories.
    """
    check_evaluate_arguments(pack, subject)
    point = evaluation_point(pack, cycle, as_of)
    return _evaluate(Evaluator(pack, cache=None), subject, point, trace, override_validity)


def evaluate_cycles(
    pack: CompiledPack,
    subject: Subject,
    cycles: Iterable[int],
    *,
    trace: bool = True,
    override_validity: bool = False,
) -> tuple[Result, ...]:
    """Evaluate several cycles in order, each one's result becoming a prior result for the next.

    The results come in calendar order, one per cycle, whatever order ``cycles`` names them in (a later
    cycle reads the earlier ones); a cycle named twice is an ArgumentError, not a result silently dropped.

    Rules over several years (``prior`` names: "3 consecutive years at grade D", "grade C two years
    running") then read what the engine computed.  A prior result the history carries for a cycle
    evaluated here is compared with the computed one: a difference is reported on that cycle's result
    (warning ``prior_result_conflict``), and the computed result is the one later cycles read.
    """
    check_evaluate_arguments(pack, subject)
    named = [check_cycle(c) for c in cycles]
    repeated = sorted({c for c in named if named.count(c) > 1})
    if repeated:
        raise ArgumentError(f"cycles names {', '.join(map(str, repeated))} more than once: give each cycle once")
    ev = Evaluator(pack, cache=None)
    given = prior_results(subject.prior_results)
    computed: dict[int, tuple[str, str | None]] = {}
    out: list[Result] = []
    for cycle in sorted(named):
        point = evaluation_point(pack, cycle, None)
        result = _evaluate(ev, subject, point, trace, override_validity, {**given, **computed})
        stated = given.get(cycle)
        if stated is not None and stated != (result.status, result.grade):
            notice = Notice(
                "prior_result_conflict",
                f"the history states {stated[1] or stated[0]} for cycle {cycle}; the engine computes "
                f"{result.grade or result.status} from the same history",
                f"历史数据记载{cycle}年度结果为{stated[1] or stated[0]}，"
                f"按同一历史计算为{result.grade or result.status}",
            )
            result = replace(result, warnings=(*result.warnings, notice))
        computed[cycle] = (result.status, result.grade)
        out.append(result)
    return tuple(out)


def _evaluate(
    ev: Evaluator,
    subject: Subject,
    point: Point,
    trace: bool,
    override: bool,
    prior: Mapping[int, tuple[str, str | None]] | None = None,
) -> Result:
    pack = ev.pack
    cycle = point.cycle
    notices = _identifier_notices(subject, cycle)
    steps: list[Step] = []
    overridden = _check_cycle(pack, cycle, override, notices, steps)
    records = flatten_records(subject)
    category = subject.category.value
    base: dict[str, Any] = {
        "pack_id": pack.id,
        "pack_hash": pack.content_hash,
        "subject_id": subject.id,
        "subject_name": subject.name,
        "category": category,
        "cycle": cycle,
        "applies_in": cycle + 1 if pack.model.cycle.result_applies == "next_year" else cycle,
        "validity_overridden": overridden,
        "records": tuple(records),
        "as_of": point.as_of,
        "window_start": point.start if pack.cycle_kind == "rolling" else None,
    }
    if category not in pack.model.categories:
        return _unscored(base, "out_of_scope", "category_not_covered", steps, notices, trace)
    if category in pack.roll_up:
        steps.append(RollUpStep(category, subject.parent_id, pack.roll_up[category].cite))
        if not subject.parent_id:
            notices.append(_PARENT_UNKNOWN)
        elif subject.records:
            notices.append(_RECORDS_GIVEN_ALONE)
        return _unscored(base, "rolled_up", "rolled_up_into_parent", steps, notices, trace)
    path = pack.path_by_category.get(category)
    if path is None:
        return _unscored(base, "out_of_scope", "no_grading_path", steps, notices, trace)

    start, end = point.start, point.end
    own = len(records) - sum(len(c.records) for c in subject.managed_clinics)
    taken_out = repaired(pack, records, cycle, end)
    decided = {i: f"repaired:{g}" for i, (g, _when) in taken_out.items()}
    facts = tally(pack, records, own, cycle, start, end, override, path.relevant, decided)
    if facts.records_overridden and not overridden:
        notices.append(records_override_notice(pack))
        base["validity_overridden"] = True
    op = operation(subject, records, own, start, end, pack.uses_operation)
    notices.extend(op.notices)
    list_steps: list[Step] | None = [] if trace else None
    found, list_marks = (
        listings(pack, records, facts.fact_records, end, category, list_steps) if pack.lists else ([], {})
    )
    linked: list[Consequence] = consequences(pack, subject, found, list_steps) if pack.lists else []
    started, threshold_steps = sanctions(pack, records, facts.fact_records, end) if pack.thresholds else ((), [])
    for ts in threshold_steps:
        for j in ts.records:
            list_marks.setdefault(j, []).append(ts.ref)
    if subject.linked_institutions:
        linked.extend(imported_consequences(subject, _institution_consequences(ev, point, override)))
    inp = DecisionInput(
        path,
        category,
        cycle,
        op.months,
        op.end_reason,
        op.agreement_records,
        tuple(facts.counts),
        tuple(facts.sums),
        tuple(sorted((k, frozenset(v)) for k, v in facts.values.items())),
        tuple(map(tuple, facts.fact_records)),
        tuple(sorted(facts.reasons.items())),
        tuple(sorted(facts.flags.items())),
        tuple(sorted((k, tuple(v)) for k, v in list_marks.items())),
        frozenset(x.list_id for x in found if x.active),
        len(records),
        trace,
        tuple(sorted((k, tuple(sorted((v, tuple(r)) for v, r in by.items()))) for k, by in facts.splits.items())),
        end.isoformat(),
        tenure(subject.designated, end) if pack.uses_tenure else (-1, -1),
        prior_values(pack, {**prior_results(subject.prior_results), **(prior or {})}, cycle) if pack.priors else (),
        days_since(pack.days_since, records, end) if pack.days_since else (),
    )
    decision = _decision(ev, inp)
    measures, decided_steps = decision.measures, decision.steps
    if found and pack.term_measures:
        measures, decided_steps = end_measures_at_terms(pack, measures, decided_steps, found, end)
    if trace:
        steps.extend(repaired_steps(pack, taken_out))
        steps.extend(_window_steps(pack, facts.expired, inp.reasons))
        steps.extend(_with_own_amounts(pack, decided_steps, inp.sums))
        steps.extend(list_steps or ())
        steps.extend(threshold_steps)
    return Result(
        status=decision.status,
        grade=decision.grade,
        score=decision.score,
        path=path.id,
        exclusions=decision.exclusions,
        measures=measures,
        warnings=tuple(notices),
        reason=decision.reason,
        steps=tuple(steps),
        record_uses=decision.uses,
        listings=tuple(found),
        consequences=tuple(linked),
        sanctions=started,
        **base,
    )


def _decision(ev: Evaluator, inp: DecisionInput) -> Decision:
    cache = ev.cache
    if cache is None:
        return decide(ev.pack, inp)
    key = inp.cache_key(ev.pack)
    decision = cache.get(key)
    if decision is None:
        decision = decide(ev.pack, inp)
        cache.put(key, decision)
    return decision


def _with_own_amounts(pack: CompiledPack, steps: tuple[Step, ...], sums: tuple[int, ...]) -> tuple[Step, ...]:
    """A shared decision's rule steps show the amount of the subject it was made for: put in this one's.

    Only rules over sums that enter the cache key by tier are concerned (see DecisionInput.cache_key).
    """
    patch = pack.patch_rules
    if not patch:
        return steps
    return tuple(
        s._replace(input=Decimal(sums[patch[s.ref]]).scaleb(-2)) if isinstance(s, RuleStep) and s.ref in patch else s
        for s in steps
    )


def _window_steps(
    pack: CompiledPack, expired: dict[int, tuple[str, dt.date]], reasons: tuple[tuple[int, str], ...]
) -> list[Step]:
    """A step per record out of force on the evaluation date (not when another fact still took it)."""
    if not expired:
        return []
    cites = {w.id: w.cite for w in pack.windows}
    # one step per window and last day, in date order: the trace does not depend on the records' order
    groups: dict[tuple[dt.date, str], list[int]] = {}
    for i, why in reasons:
        if i in expired and why.startswith("out_of_force:"):
            window, last = expired[i]
            groups.setdefault((last, window), []).append(i)
    return [WindowStep(window, tuple(ix), last, cites.get(window)) for (last, window), ix in sorted(groups.items())]


# A pack that grades a category under a managing parent (巫山 第四条) is told so only by the pack: the
# history does not require parent_id (other packs grade village clinics alone), so its absence is a warning.
_PARENT_UNKNOWN = Notice(
    "parent_unknown",
    "not graded alone under this pack, and parent_id is not given: name the township hospital or "
    "community health centre that manages it, and give its records there (managed_clinics)",
    "本政策包不单独评价该主体，且未提供 parent_id：请注明管理它的乡镇卫生院或社区卫生服务中心，"
    "并在其历史的 managed_clinics 中提供记录",
)


# Records given on the clinic's own line count nowhere: the parent is graded from its own history, which
# carries its clinics' records (managed_clinics); one line is graded without reading the others.
_RECORDS_GIVEN_ALONE = Notice(
    "records_given_alone",
    "not graded alone under this pack: the records given here are not counted; give them under the parent's "
    "managed_clinics so that they count for the parent",
    "本政策包不单独评价该主体：此处提供的记录不计入评价；请在上级机构历史的 managed_clinics 中提供，记录才计入上级机构",
)


def _check_cycle(pack: CompiledPack, cycle: int, override: bool, notices: list[Notice], steps: list[Step]) -> bool:
    """Refuse a cycle outside the pack's validity unless overridden; record an override."""
    if check_validity(pack, cycle):
        return False
    if not override:
        raise ValidityError(validity_message(pack, cycle))
    notices.append(
        Notice(
            "validity_override",
            validity_message(pack, cycle).split(";")[0] + "; overridden by the caller",
            f"评价周期{cycle}不在本政策包有效期内，调用方已显式覆盖",
        )
    )
    steps.append(ValidityStep(cycle, pack.model.validity.cite))
    return True


def _institution_consequences(
    ev: Evaluator, point: Point, override: bool
) -> Callable[[Subject], tuple[Consequence, ...]]:
    def run(institution: Subject) -> tuple[Consequence, ...]:
        return _evaluate(ev, institution, point, False, override).consequences

    return run


_ORIGINS = tuple(f"records[{i}]" for i in range(256))


def _origin(i: int) -> str:
    return _ORIGINS[i] if i < len(_ORIGINS) else f"records[{i}]"


def flatten_records(subject: Subject) -> list[InputRecord]:
    """The subject's records, its agreement end as a record, then its managed clinics' records."""
    records = [InputRecord(_origin(i), r) for i, r in enumerate(subject.records)]
    if subject.agreement_end is not None:
        end = subject.agreement_end
        synthetic = Record.model_construct(
            kind="agreement_termination", date=end.date, reason=end.reason, id="agreement_end"
        )
        records.append(InputRecord("agreement_end", synthetic))
    for ci, clinic in enumerate(subject.managed_clinics):
        for ri, rec in enumerate(clinic.records):
            records.append(InputRecord(f"managed_clinics[{ci}:{clinic.id}].records[{ri}]", rec))
    return records


def _horizon(cycle: int) -> dt.date:
    """The day a birth date must not be after: the end of the year the result is used in (the engine reads no
    clock, so a birth date is "in the future" only after that day)."""
    return dt.date(cycle + 1, 12, 31)


def _identifier_notices(subject: Subject, cycle: int) -> list[Notice]:
    """Warnings for identifiers whose check character is wrong (real registries contain some)."""
    notices: list[Notice] = []
    # memoised per identifier (history.identifiers): a subject graded again costs no second check.  The
    # category's membership, not Subject.subject_type: a property call per subject otherwise
    if subject.category in INSTITUTION_CATEGORIES:
        outcome = uscc_problem(subject.id)
    else:
        outcome = resident_id_problem(subject.id, today=_horizon(cycle))
    if outcome is not None:
        notices.append(Notice("identifier", f"subject id: {outcome.reason}", f"主体标识：{outcome.reason_zh}"))
    for person in subject.linked_persons:
        p = resident_id_problem(person.id, today=_horizon(cycle))
        if p is None:
            continue
        notices.append(
            Notice("identifier", f"linked person {person.id}: {p.reason}", f"关联人员 {person.id}：{p.reason_zh}")
        )
    return notices


def _unscored(
    base: dict[str, Any],
    status: Status,
    reason: str,
    steps: list[Step],
    notices: list[Notice],
    trace: bool,
) -> Result:
    record_reason = {"out_of_scope": "subject_out_of_scope", "rolled_up": "counted_under_parent"}[status]
    uses = tuple(RecordUse(i, (), record_reason) for i in range(len(base["records"]))) if trace else ()
    steps.append(ScopeStep(reason, base["category"]))
    return Result(
        status=status,
        grade=None,
        score=None,
        path=None,
        exclusions=(),
        measures=(),
        warnings=tuple(notices),
        reason=reason,
        steps=tuple(steps),
        record_uses=uses,
        **base,
    )
