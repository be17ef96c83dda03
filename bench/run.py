"""Benchmark the medcredit engine and CLI against a hand-written baseline on Wushan-like histories.

    python bench/run.py [--subjects 100000] [--cli-subjects 1000000] [--skip-cli] [--profile]

1. Generate ``--subjects`` histories (``bench/generate.py``, fixed seed) and parse
   them once into pydantic ``Subject``s, outside every timed region.
2. Correctness: the engine (trace on and off) and both baseline variants must agree
   on (status, grade, score) for every generated subject, for the hand-made
   boundary cases below and for ``examples/wushan-subjects.jsonl``; any
   disagreement is printed and the run fails (exit 1) before any timing.
3. In-process timings, single process, ``time.perf_counter``, the median of
   ``--repeats`` interleaved rounds: parsing, the baseline, the engine in its modes.
4. End to end: ``medcredit evaluate --pack wushan --cycle 2023 FILE --format jsonl``
   (with and without ``--no-trace``) as a subprocess on 100k and 1M subjects,
   stdout to /dev/null; wall time and the child's peak RSS (``os.wait4``).
5. A markdown table on stdout, JSON in ``bench/out/results.json``; with ``--profile``
   a cProfile of the engine (trace on) in ``bench/out/profile.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from baseline import Outcome, score_dict, score_subject
from generate import generate
from generate import write as write_jsonl

import medcredit
from medcredit.engine.evaluation import DecisionCache, Evaluator
from medcredit.history.model import Subject
from medcredit.history.reader import Loaded, iter_jsonl, parse_json
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import load_pack
from medcredit.render.output import TraceEncoder, to_json

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
CYCLE = 2023

# --------------------------------------------------------------------------- boundary cases

_OPEN = "2015-01-01"


def _outpatient(sid: str, records: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": sid, "category": "outpatient_clinic", "opened": _OPEN}
    base.update(extra)
    base["records"] = [{"kind": "inspection", "date": "2023-03-01"}, *records]
    return base


def _money(kind: str, amount: Any, date: str = "2023-05-01") -> dict[str, Any]:
    return {"kind": kind, "date": date, "amount": amount}


def _hospital(sid: str, *scores: str) -> dict[str, Any]:
    records: list[dict[str, Any]] = [{"kind": "inspection", "date": "2023-03-01"}]
    records += [{"kind": "annual_assessment", "date": "2024-02-01", "year": 2023, "score": s} for s in scores]
    return {"id": sid, "category": "hospital_inpatient", "opened": _OPEN, "records": records}


def edge_cases() -> list[dict[str, Any]]:
    """Hand-made subjects on every boundary of the Wushan rules (as JSON-ready mappings)."""
    cases: list[dict[str, Any]] = []
    for i, amount in enumerate(["0.01", "9999.99", "10000.00", 10000, "49999.99", "50000.00", "99999.99", 100000.0]):
        cases.append(_outpatient(f"E-AMT-{i}", [_money("audit_cut", amount)]))
    cases.append(_outpatient("E-SUM", [_money("fund_recovery", "5000.00"), _money("audit_cut", 5000.0)]))
    cases.append(_outpatient("E-SUM-OUT", [_money("audit_cut", "9999.99"), _money("audit_cut", "5", "2024-01-01")]))
    cases.append(_outpatient("E-DAY1", [_money("audit_cut", "9999.99"), _money("audit_cut", "0.01", "2023-01-01")]))
    cases.append(_outpatient("E-DAY365", [_money("audit_cut", "9999.99"), _money("audit_cut", "0.01", "2023-12-31")]))
    cases.append(_outpatient("E-DAY0", [_money("audit_cut", "9999.99"), _money("audit_cut", "0.01", "2022-12-31")]))
    for i, score in enumerate(["90.00", "89.99", "65", "64.99", "60.0", "59.99", "100", "0"]):
        cases.append(_hospital(f"E-HOSP-{i}", score))
    cases.append(_hospital("E-HOSP-CONFLICT", "90", "80"))
    cases.append(_hospital("E-HOSP-SAME", "90.0", "90.00"))
    cases.append(_hospital("E-HOSP-NONE"))
    interview = {"kind": "interview", "date": "2023-04-01"}
    suspension = {"kind": "agreement_suspension", "date": "2023-04-01"}
    late = {"kind": "late_refund", "date": "2023-04-01"}
    cases.append(_outpatient("E-INT-2", [interview, interview]))  # 90: A
    cases.append(_outpatient("E-INT-SUSP", [interview, interview, suspension, suspension, suspension]))  # 80
    cases.append(_outpatient("E-B-EDGE", [suspension, late, late, late, late, _money("audit_cut", "1.00")]))  # 68
    cases.append(_outpatient("E-65", [suspension, late, late, late, late, interview]))  # 65: B
    cases.append(_outpatient("E-65-TIER", [_money("audit_cut", "10000"), suspension, late, late, late, late]))  # 65: B
    cases.append(_outpatient("E-60", [_money("audit_cut", "1"), suspension, interview, interview, late, late, late]))
    for i, code in enumerate(["fraud_other", "fraud_false_claims", "fraud_fictitious_services", "ind_fraud"]):
        cases.append(_outpatient(f"E-FRAUD-{i}", [{"kind": "fraud", "date": "2023-06-01", "code": code}]))
    cases.append(_outpatient("E-NEG", [{"kind": "fraud", "date": "2023-06-01", "code": "fraud_other"}] * 7))
    for status in ("upheld", "deleted_unverifiable", "pending", "rejected", "corrected"):
        obj = {"filed": "2023-07-01", "status": status}
        rec = {"kind": "fraud", "date": "2023-06-01", "code": "fraud_other", "objection": obj}
        cases.append(_outpatient(f"E-OBJ-{status}", [rec, rec]))
    # six months: opening day counted, corresponding-day rule, agreement end as the stop
    for opened in ("2023-06-30", "2023-07-01", "2023-07-02", "2023-12-31", "2024-01-05"):
        cases.append(_outpatient(f"E-OPEN-{opened}", [], opened=opened))
    for opened, end, reason in [
        ("2023-01-31", "2023-07-30", "expired"),  # 6 months (31 Jan + 6 = 31 Jul ≤ 31 Jul)
        ("2023-01-31", "2023-07-29", "expired"),  # 5 months
        ("2022-08-31", "2023-06-30", "expired"),  # 6 months from 1 Jan
        ("2022-08-31", "2023-06-29", "expired"),  # 5 months
        ("2023-02-28", "2023-08-27", "expired"),
        ("2023-02-28", "2023-08-26", "expired"),
        ("2015-01-01", "2022-12-31", "voluntary"),  # ended before the cycle: 0 months
        ("2015-01-01", "2023-01-01", "voluntary"),
        ("2015-01-01", "2023-10-01", "voluntary"),
        ("2015-01-01", "2023-10-01", "violation"),
        ("2015-01-01", "2023-10-01", "fraud"),
        ("2015-01-01", "2023-10-01", "renewal_not_met"),
        ("2015-01-01", "2023-10-01", "expired"),
        ("2015-01-01", "2024-01-01", "voluntary"),  # after the cycle: not a fact of 2023
    ]:
        cases.append(
            _outpatient(
                f"E-END-{opened}-{end}-{reason}", [], opened=opened, agreement_end={"date": end, "reason": reason}
            )
        )
    term = {"kind": "agreement_termination", "date": "2023-10-01", "reason": "expired"}
    term_vol = {"kind": "agreement_termination", "date": "2023-10-01", "reason": "voluntary"}
    cases.append(_outpatient("E-TERM-REC", [term]))
    cases.append(_outpatient("E-TERM-TIE-1", [term, term_vol]))  # every termination counts by its reason
    cases.append(_outpatient("E-TERM-TIE-2", [term_vol, term]))
    cases.append(_outpatient("E-TERM-END-TIE", [term_vol], agreement_end={"date": "2023-10-01", "reason": "expired"}))
    cases.append(_outpatient("E-TERM-LATER", [term_vol], agreement_end={"date": "2023-11-01", "reason": "expired"}))
    cases.append(_outpatient("E-TERM-2024", [{**term_vol, "date": "2024-02-01"}]))
    upheld = {"filed": "2023-10-05", "status": "upheld"}
    cases.append(_outpatient("E-TERM-OBJ-UPHELD", [{**term_vol, "objection": upheld}]))
    cases.append(_outpatient("E-TERM-OBJ-PENDING", [{**term_vol, "objection": {**upheld, "status": "pending"}}]))
    # an earlier agreement ended voluntarily in the cycle, before the (re)opening: every termination counts
    cases.append(_outpatient("E-TERM-BEFORE-OPEN", [{**term_vol, "date": "2023-02-01"}], opened="2023-03-01"))
    cases.append(_outpatient("E-TERM-EXPIRED-EARLY", [{**term, "date": "2023-05-31"}]))  # 4 months 31 days
    # inspection evidence (第十五条 as interpreted): inspection or fund_recovery in the cycle
    no_insp: dict[str, Any] = {"id": "E-NOINSP", "category": "retail_pharmacy", "opened": _OPEN}
    cases.append({**no_insp, "records": [_money("audit_cut", "300.00")]})
    cases.append({**no_insp, "id": "E-RECOVERY-INSP", "records": [_money("fund_recovery", "300.00")]})
    cases.append({**no_insp, "id": "E-INSP-2022", "records": [{"kind": "inspection", "date": "2022-12-31"}]})
    cases.append({**no_insp, "id": "E-NO-RECORDS", "records": []})
    cases.append(
        {"id": "E-NO-OPENED", "category": "retail_pharmacy", "records": [{"kind": "inspection", "date": "2023-01-01"}]}
    )
    # village clinics: rolled up alone, counted under the parent
    cases.append({"id": "E-VC", "category": "village_clinic", "parent_id": "E-PARENT", "records": []})
    clinic = {
        "id": "VC-1",
        "records": [_money("audit_cut", "60000"), interview, {"kind": "inspection", "date": "2023-02-01"}],
    }
    parent = {"id": "E-PARENT", "category": "outpatient_clinic", "opened": _OPEN, "managed_clinics": [clinic]}
    cases.append({**parent, "records": [{"kind": "inspection", "date": "2023-09-01"}]})
    # a managed clinic's inspection is not the parent's (interpretation inspection_evidence)
    cases.append({**parent, "id": "E-PARENT-NOINSP", "records": []})
    assess = {"kind": "annual_assessment", "date": "2024-02-01", "year": 2023, "score": "95"}
    clinic2 = {"id": "VC-2", "records": [assess, interview]}
    cases.append({**_hospital("E-HOSP-CLINIC", "70"), "managed_clinics": [clinic2]})
    cases.append({**_hospital("E-HOSP-CLINIC-ONLY"), "managed_clinics": [clinic2]})
    return cases


#: The outcome of every boundary case, worked out by hand from the pack's text and interpretations
#: ("status grade score"); both the engine and the baseline must produce it.
EXPECTED = {
    "E-AMT-0": "graded A 98",
    "E-AMT-1": "graded A 98",
    "E-AMT-2": "graded A 95",
    "E-AMT-3": "graded A 95",
    "E-AMT-4": "graded A 95",
    "E-AMT-5": "graded A 90",
    "E-AMT-6": "graded A 90",
    "E-AMT-7": "graded B 80",
    "E-SUM": "graded A 95",
    "E-SUM-OUT": "graded A 98",
    "E-DAY1": "graded A 95",
    "E-DAY365": "graded A 95",
    "E-DAY0": "graded A 98",
    "E-HOSP-0": "graded A 90.00",
    "E-HOSP-1": "graded B 89.99",
    "E-HOSP-2": "graded B 65",
    "E-HOSP-3": "graded C 64.99",
    "E-HOSP-4": "graded C 60.0",
    "E-HOSP-5": "graded D 59.99",
    "E-HOSP-6": "graded A 100",
    "E-HOSP-7": "graded D 0",
    "E-HOSP-CONFLICT": "not_evaluable - -",
    "E-HOSP-SAME": "graded A 90.0",
    "E-HOSP-NONE": "not_evaluable - -",
    "E-INT-2": "graded A 90",
    "E-INT-SUSP": "graded B 80",
    "E-B-EDGE": "graded B 68",
    "E-65": "graded B 65",
    "E-65-TIER": "graded B 65",
    "E-60": "graded C 63",
    "E-FRAUD-0": "graded B 80",
    "E-FRAUD-1": "graded B 80",
    "E-FRAUD-2": "graded B 80",
    "E-FRAUD-3": "graded A 100",
    "E-NEG": "graded D -40",
    "E-OBJ-upheld": "graded A 100",
    "E-OBJ-deleted_unverifiable": "graded A 100",
    "E-OBJ-pending": "graded C 60",
    "E-OBJ-rejected": "graded C 60",
    "E-OBJ-corrected": "graded C 60",
    "E-OPEN-2023-06-30": "graded A 100",
    "E-OPEN-2023-07-01": "excluded - -",  # opening day not counted (民法典 第二百零一条)
    "E-OPEN-2023-07-02": "excluded - -",
    "E-OPEN-2023-12-31": "excluded - -",
    "E-OPEN-2024-01-05": "excluded - -",
    "E-END-2023-01-31-2023-07-30-expired": "excluded - -",  # 1 Feb – 30 Jul: 5 months
    "E-END-2023-01-31-2023-07-29-expired": "excluded - -",
    "E-END-2022-08-31-2023-06-30-expired": "graded A 100",
    "E-END-2022-08-31-2023-06-29-expired": "excluded - -",
    "E-END-2023-02-28-2023-08-27-expired": "excluded - -",  # 1 Mar – 27 Aug: 5 months
    "E-END-2023-02-28-2023-08-26-expired": "excluded - -",
    "E-END-2015-01-01-2022-12-31-voluntary": "excluded - -",
    "E-END-2015-01-01-2023-01-01-voluntary": "excluded - -",
    "E-END-2015-01-01-2023-10-01-voluntary": "excluded - -",
    "E-END-2015-01-01-2023-10-01-violation": "excluded - -",
    "E-END-2015-01-01-2023-10-01-fraud": "excluded - -",
    "E-END-2015-01-01-2023-10-01-renewal_not_met": "excluded - -",
    "E-END-2015-01-01-2023-10-01-expired": "graded A 100",
    "E-END-2015-01-01-2024-01-01-voluntary": "graded A 100",
    "E-TERM-REC": "graded A 100",
    "E-TERM-TIE-1": "excluded - -",
    "E-TERM-TIE-2": "excluded - -",
    "E-TERM-END-TIE": "excluded - -",
    "E-TERM-LATER": "excluded - -",
    "E-TERM-2024": "graded A 100",
    "E-TERM-OBJ-UPHELD": "graded A 100",
    "E-TERM-OBJ-PENDING": "excluded - -",
    "E-TERM-BEFORE-OPEN": "excluded - -",
    "E-TERM-EXPIRED-EARLY": "excluded - -",
    "E-NOINSP": "excluded - -",
    "E-RECOVERY-INSP": "graded A 98",
    "E-INSP-2022": "excluded - -",
    "E-NO-RECORDS": "excluded - -",
    "E-NO-OPENED": "graded A 100",
    "E-VC": "rolled_up - -",
    "E-PARENT": "graded B 85",
    "E-PARENT-NOINSP": "excluded - -",
    "E-HOSP-CLINIC": "graded B 70",
    "E-HOSP-CLINIC-ONLY": "not_evaluable - -",
}


# --------------------------------------------------------------------------- correctness


_EVALUATORS: dict[int, Evaluator] = {}


def _evaluator(pack: CompiledPack) -> Evaluator:
    """The long-lived evaluator of a pack (as one CLI run keeps one)."""
    return _EVALUATORS.setdefault(id(pack), Evaluator(pack))


def _engine_outcome(pack: CompiledPack, s: Subject, trace: bool) -> Outcome:
    r = _evaluator(pack).evaluate(s, CYCLE, trace=trace)
    return r.status, r.grade, r.score


def check_agreement(
    pack: CompiledPack, label: str, items: Iterable[tuple[str, Subject, dict[str, Any]]]
) -> tuple[int, list[str]]:
    """Compare the engine (trace on/off) with both baseline variants; return (checked, discrepancies)."""
    checked = 0
    problems: list[str] = []
    for where, s, d in items:
        checked += 1
        full = _engine_outcome(pack, s, True)
        fast = _engine_outcome(pack, s, False)
        base = score_subject(s)
        raw = score_dict(d)
        if full == fast == base == raw:
            continue
        problems.append(
            f"{label} {where} ({s.id}): engine trace={full} engine no-trace={fast} "
            f"baseline={base} baseline(dict)={raw}\n    subject: {json.dumps(d, ensure_ascii=False, default=str)}"
        )
    return checked, problems


def check_cache(pack: CompiledPack, subjects: list[Subject]) -> tuple[int, list[str]]:
    """The full rendered result must not depend on what was evaluated before (the decision cache).

    Evaluates ``subjects`` in order with the cache warming up, then each again with an empty
    cache, and compares the JSON output (trace included) and the no-trace output.
    """
    warm_ev = Evaluator(pack)
    warm = [
        (to_json(warm_ev.evaluate(s, CYCLE), pack), to_json(warm_ev.evaluate(s, CYCLE, trace=False), pack))
        for s in subjects
    ]
    problems: list[str] = []
    for s, (full, fast) in zip(subjects, warm, strict=True):
        cold_full = to_json(Evaluator(pack).evaluate(s, CYCLE), pack)
        cold_fast = to_json(Evaluator(pack).evaluate(s, CYCLE, trace=False), pack)
        if full != cold_full or fast != cold_fast:
            which = "trace" if full != cold_full else "no-trace"
            a, b = (full, cold_full) if full != cold_full else (fast, cold_fast)
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            problems.append(
                f"{s.id}: {which} result differs with a warm cache at char {at}: "
                f"warm …{a[max(at - 80, 0) : at + 80]}… cold …{b[max(at - 80, 0) : at + 80]}…"
            )
    return len(subjects), problems


def _parse_all(text: str, file: str) -> list[Subject]:
    out = []
    for item in iter_jsonl(io.StringIO(text), file):
        if not isinstance(item, Loaded):
            raise SystemExit(f"bench: {item.where} was rejected: {[p.message for p in item.problems]}")
        out.append(item.subject)
    return out


# --------------------------------------------------------------------------- timing


@dataclass
class Row:
    name: str
    what: str
    seconds: list[float] = field(default_factory=list)
    n: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def us(self) -> float:
        return self.median / self.n * 1e6


def reset_cache(pack: CompiledPack) -> int:
    """Start the next timed round cold, as a fresh ``medcredit evaluate`` process does.

    Returns how many decisions the pack's long-lived evaluator held.
    """
    ev = _EVALUATORS.pop(id(pack), None)
    return len(ev.cache) if ev is not None and ev.cache is not None else 0


def _timed(fn: Callable[[], object], *, gc_off: bool = False) -> float:
    """Seconds for one call of ``fn``; with ``gc_off`` the cyclic collector is disabled meanwhile.

    The pre-parsed inputs are frozen once (:func:`freeze_fixture`), so in both modes the
    collector only ever looks at what the measured code creates, as in a streaming CLI run.
    """
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.perf_counter()
        kept = fn()
        elapsed = time.perf_counter() - t0
    finally:
        if gc_off:
            gc.enable()
    del kept
    return elapsed


def freeze_fixture() -> None:
    """Move everything alive now (pack, inputs) out of the collector's sight (``gc.freeze``)."""
    gc.collect()
    gc.freeze()


def in_process(pack: CompiledPack, text: str, subjects: list[Subject], dicts: list[Any], repeats: int) -> list[Row]:
    n = len(subjects)

    def parse() -> object:
        return _parse_all(text, "bench")

    def parse_json_only() -> object:
        return [parse_json(line) for line in text.splitlines()]

    def base() -> object:
        f = score_subject
        for s in subjects:
            f(s)
        return None

    def base_dict() -> object:
        f = score_dict
        for d in dicts:
            f(d)
        return None

    def engine(trace: bool) -> Callable[[], object]:
        def run() -> object:
            ev = _evaluator(pack)
            for s in subjects:
                ev.evaluate(s, CYCLE, trace=trace)
            return None

        return run

    def engine_no_cache() -> object:
        ev = Evaluator(pack, cache=DecisionCache(limit=1))
        for s in subjects:
            ev.evaluate(s, CYCLE)
        return None

    def engine_kept() -> object:
        ev = _evaluator(pack)
        return [ev.evaluate(s, CYCLE) for s in subjects]

    def engine_render() -> object:
        ev, encoder = _evaluator(pack), TraceEncoder(pack)
        for s in subjects:
            encoder.encode(ev.evaluate(s, CYCLE))
        return None

    cases: list[tuple[Row, Callable[[], object], bool]] = [
        (Row("baseline", "hand-written scorer on Subject (bench/baseline.py)"), base, False),
        (Row("baseline_dict", "hand-written scorer on the parsed JSON dict"), base_dict, False),
        (Row("engine_trace", "evaluate(trace=True), results dropped as made (streaming)"), engine(True), False),
        (Row("engine_notrace", "evaluate(trace=False) — the engine's fastest mode"), engine(False), False),
        (Row("engine_trace_gc_off", "evaluate(trace=True), gc disabled"), engine(True), True),
        (Row("engine_notrace_gc_off", "evaluate(trace=False), gc disabled"), engine(False), True),
        (
            Row("engine_trace_no_cache", "evaluate(trace=True), decision cache capped at 1 entry"),
            engine_no_cache,
            False,
        ),
        (Row("engine_trace_kept", "evaluate(trace=True), all results kept in a list"), engine_kept, False),
        (Row("engine_trace_kept_gc_off", "same, gc disabled"), engine_kept, True),
        (
            Row("engine_trace_render", "evaluate(trace=True) + render.to_json (the CLI's work minus parsing)"),
            engine_render,
            False,
        ),
        (Row("parse_json", "json → dict only (histio.parse_json, Decimal floats)"), parse_json_only, False),
        (Row("parse_subject", "JSONL text → Subject (histio.iter_jsonl: json + pydantic)"), parse, False),
    ]
    for row, _fn, _gc in cases:
        row.n = n
    for r in range(repeats):
        for row, fn, gc_off in cases:
            reset_cache(pack)
            row.seconds.append(_timed(fn, gc_off=gc_off))
            print(f"  round {r + 1}/{repeats} {row.name:28s} {row.seconds[-1] / n * 1e6:9.2f} µs/subject", flush=True)
    return [row for row, _fn, _gc in cases]


def profile_engine(pack: CompiledPack, subjects: list[Subject], dest: Path) -> list[str]:
    """cProfile evaluate(trace=True) over ``subjects``; write both orderings, return the top lines."""
    reset_cache(pack)
    prof = cProfile.Profile()
    prof.enable()
    for s in subjects:
        _evaluator(pack).evaluate(s, CYCLE, trace=True)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.strip_dirs().sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(30)
    dest.write_text(buf.getvalue(), encoding="utf-8")
    lines = buf.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return lines[start : start + 21]


def components(pack: CompiledPack, subjects: list[Subject]) -> list[tuple[str, float]]:
    """µs/subject of the engine's private steps, timed without the profiler's per-call overhead.

    Uses private helpers of ``medcredit.engine.evaluation``; a step whose helper changed is skipped.
    """
    import inspect

    import medcredit.engine.evaluation as eng

    start, end = eng.cycle_bounds(CYCLE)
    n = len(subjects)
    out: list[tuple[str, float]] = []
    operation: Any = getattr(eng, "_operation", None)
    try:
        # (subject, records, start, end[, uses_operation]) — the signature has changed before
        extra = (True,) * (len(inspect.signature(operation).parameters) - 4)
        flat = [eng.flatten_records(s) for s in subjects]
        steps: list[tuple[str, Callable[[], object]]] = [
            ("flatten_records (InputRecord wrappers)", lambda: [eng.flatten_records(s) for s in subjects]),
            ("_identifier_notices (USCC check)", lambda: [eng._identifier_notices(s, CYCLE) for s in subjects]),
            (
                "_operation (months operated)",
                lambda: [operation(s, r, start, end, *extra) for s, r in zip(subjects, flat, strict=True)],
            ),
            ("check_validity", lambda: [eng.check_validity(pack, CYCLE) for _ in subjects]),
        ]
    except (AttributeError, TypeError) as exc:  # the engine's internals moved on
        print(f"  components skipped: {exc}")
        return out
    for name, fn in steps:
        try:
            out.append((name, statistics.median(_timed(fn) for _ in range(3)) / n * 1e6))
        except (AttributeError, TypeError) as exc:
            print(f"  component {name} skipped: {exc}")
    return out


# --------------------------------------------------------------------------- end to end


@dataclass
class CliRun:
    name: str
    subjects: int
    command: list[str]
    wall: float
    max_rss_mb: float
    returncode: int
    startup: float = 0.0  # wall time of the same command on a 1-subject file, subtracted in net_us

    @property
    def us(self) -> float:
        return self.wall / self.subjects * 1e6

    @property
    def net_us(self) -> float:
        return max(self.wall - self.startup, 0.0) / self.subjects * 1e6


def _cli_command() -> list[str]:
    exe = shutil.which("medcredit")
    return [exe] if exe else [sys.executable, "-m", "medcredit"]


#: Runs the measured command from a small process: on Linux a child's ru_maxrss starts from the
#: RSS of the process it was forked from, so forking the CLI straight from this (large) process
#: would report this process's memory, not the CLI's.
_MEASURE = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as fh:
    json.dump({"wall": wall, "max_rss_kib": usage.ru_maxrss, "rc": os.waitstatus_to_exitcode(status)}, fh)
"""


def run_child(name: str, subjects: int, command: list[str], startup: float = 0.0) -> CliRun:
    """Run ``command`` with stdout to /dev/null; wall time and the child's own peak RSS."""
    report = OUT / "child.json"
    report.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-S", "-c", _MEASURE, str(report), *command], check=True)
    measured = json.loads(report.read_text())
    report.unlink()
    # ru_maxrss is in KiB on Linux
    run = CliRun(name, subjects, command, measured["wall"], measured["max_rss_kib"] / 1024, measured["rc"], startup)
    print(f"  {name:38s} {run.wall:8.1f} s  {run.us:9.1f} µs/subject  peak RSS {run.max_rss_mb:7.1f} MB", flush=True)
    if run.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} exited with {run.returncode}")
    return run


def dataset(n: int, seed: int) -> Path:
    # the generator's hash in the name: a changed generator never reuses a stale file
    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"subjects-{n}-seed{seed}-{version}.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        write_jsonl(n, seed, path)
        print(f"  generated {path.relative_to(ROOT)} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def end_to_end(sizes: list[int], seed: int, *, cache_diagnostic: bool = True) -> list[CliRun]:
    cli = _cli_command()
    runs: list[CliRun] = []
    baseline = [sys.executable, str(HERE / "baseline.py")]

    def evaluate_args(path: str) -> list[str]:
        return ["evaluate", "--pack", "wushan", "--cycle", "2023", path, "--format", "jsonl"]

    def cli_args(path: str) -> list[str]:
        return [*cli, *evaluate_args(path)]

    one = str(dataset(1, seed))
    cli_start = run_child("cli start-up (1 subject)", 1, cli_args(one))
    base_start = run_child("baseline script start-up (1 subject)", 1, [*baseline, one])
    runs += [cli_start, base_start]
    for n in sizes:
        path = str(dataset(n, seed))
        runs.append(run_child(f"baseline script, {n:,}", n, [*baseline, path], base_start.wall))
        runs.append(run_child(f"cli jsonl trace, {n:,}", n, cli_args(path), cli_start.wall))
        runs.append(run_child(f"cli jsonl --no-trace, {n:,}", n, [*cli_args(path), "--no-trace"], cli_start.wall))
    if cache_diagnostic:
        # the same CLI with the engine's decision cache capped at one entry (a private knob)
        n = sizes[-1]
        diag = [sys.executable, "-c", _NO_CACHE_CLI, *evaluate_args(str(dataset(n, seed)))]
        runs.append(run_child(f"cli jsonl trace, {n:,}, cache capped at 1", n, diag, cli_start.wall))
    return runs


_NO_CACHE_CLI = """
import sys
import medcredit.cli.grading as grading
import medcredit.engine.evaluation as eng
grading.Evaluator = lambda pack: eng.Evaluator(pack, cache=1)
from medcredit.cli.main import main
raise SystemExit(main(sys.argv[1:]))
"""


# --------------------------------------------------------------------------- report


def _fmt_rate(us: float) -> str:
    return f"{1e6 / us:,.0f}"


def table(rows: list[Row], runs: list[CliRun], baseline_us: float, n: int) -> str:
    out = [
        f"In process, {n:,} subjects, median of {len(rows[0].seconds)} rounds:",
        "",
        "| measurement | µs / subject | subjects / s | × baseline |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        out.append(f"| {row.name}: {row.what} | {row.us:.2f} | {_fmt_rate(row.us)} | {row.us / baseline_us:.1f} |")
    if runs:
        out += [
            "",
            "End to end, one run each, stdout to /dev/null; µs / subject is net of the same command's",
            "start-up on a 1-subject file (interpreter, imports, pack loading); × baseline is against the",
            "in-process baseline above:",
            "",
            "| command | subjects | wall s | µs / subject | subjects / s | × baseline | peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for run in runs:
            if run.subjects == 1:
                out.append(f"| {run.name} | 1 | {run.wall:.2f} | – | – | – | {run.max_rss_mb:.0f} |")
                continue
            out.append(
                f"| {run.name} | {run.subjects:,} | {run.wall:.1f} | {run.net_us:.1f} | {_fmt_rate(run.net_us)} | "
                f"{run.net_us / baseline_us:.0f} | {run.max_rss_mb:.0f} |"
            )
    return "\n".join(out)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "?"
    return done.stdout.strip()


def _snapshot(rev: str, argv: list[str]) -> None:
    """Re-run this script against ``src/`` as of ``rev`` (extracted with git archive).

    The tree is shared and changes while a long run is going; a snapshot keeps the in-process
    and the CLI measurements on one version of the code.  PYTHONPATH puts the snapshot ahead of
    the editable install, for this process and for the CLI subprocesses.
    """
    sha = _git("rev-parse", rev)
    if sha == "?":
        raise SystemExit(f"bench: unknown revision {rev!r}")
    dest = Path(tempfile.gettempdir()) / f"medcredit-bench-snapshot-{sha[:12]}"
    if not (dest / "src" / "medcredit").is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha, "src"], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    env = dict(os.environ, PYTHONPATH=str(dest / "src"), BENCH_SNAPSHOT=sha)
    rest = [a for i, a in enumerate(argv) if a != "--snapshot" and (i == 0 or argv[i - 1] != "--snapshot")]
    rest = [a for a in rest if not a.startswith("--snapshot=")]
    os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *rest], env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="medcredit benchmark (see bench/README.md)")
    parser.add_argument("--subjects", type=int, default=100_000, help="in-process subjects (default 100000)")
    parser.add_argument("--cli-subjects", type=int, default=1_000_000, help="largest end-to-end file (default 1000000)")
    parser.add_argument(
        "--cli-small", type=int, default=100_000, help="smaller end-to-end file, to show memory is flat"
    )
    parser.add_argument("--skip-cli", action="store_true", help="skip the end-to-end runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="timing rounds (median; at least 3)")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine into bench/out/profile.txt")
    parser.add_argument(
        "--cache-check", type=int, default=10_000, help="generated subjects checked warm vs cold cache (default 10000)"
    )
    parser.add_argument(
        "--no-cache-diagnostic",
        action="store_true",
        help="skip the extra end-to-end run with the engine's decision cache capped at one entry",
    )
    parser.add_argument(
        "--snapshot", metavar="REV", help="measure src/ as of this git revision (e.g. HEAD), frozen for the whole run"
    )
    args = parser.parse_args(argv)
    if args.repeats < 3:
        parser.error("--repeats must be at least 3")
    if args.snapshot and not os.environ.get("BENCH_SNAPSHOT"):
        _snapshot(args.snapshot, sys.argv[1:] if argv is None else argv)
    OUT.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    head_start = _git("rev-parse", "HEAD")
    pack = load_pack("wushan")

    print(f"measuring {Path(medcredit.__file__).resolve().parent} (snapshot {os.environ.get('BENCH_SNAPSHOT')})")
    print(f"generating {args.subjects:,} subjects (seed {args.seed}) …", flush=True)
    text = "\n".join(generate(args.subjects, args.seed)) + "\n"
    subjects = _parse_all(text, "bench")
    dicts = [parse_json(line) for line in text.splitlines()]

    print("checking engine against the baseline …", flush=True)
    edges = edge_cases()
    edge_text = "\n".join(json.dumps(c, ensure_ascii=False) for c in edges)
    edge_dicts = [parse_json(line) for line in edge_text.splitlines()]
    examples_text = (ROOT / "examples" / "wushan-subjects.jsonl").read_text(encoding="utf-8")
    example_dicts = [parse_json(line) for line in examples_text.splitlines() if line.strip()]
    checked = 0
    problems: list[str] = []
    edge_subjects = _parse_all(edge_text, "edge")
    example_subjects = _parse_all(examples_text, "examples")
    for label, subs, ds in [
        ("edge case", edge_subjects, edge_dicts),
        ("example", example_subjects, example_dicts),
        ("generated", subjects, dicts),
    ]:
        c, p = check_agreement(
            pack, label, ((f"#{i + 1}", s, d) for i, (s, d) in enumerate(zip(subs, ds, strict=True)))
        )
        checked += c
        problems += p
    for s in _parse_all(edge_text, "edge"):
        status, grade, score = score_subject(s)
        got = f"{status} {grade or '-'} {'-' if score is None else score}"
        if EXPECTED.get(s.id) != got:
            problems.append(f"edge case {s.id}: expected {EXPECTED.get(s.id)!r}, baseline and engine gave {got!r}")
    sample = edge_subjects + example_subjects + subjects[: args.cache_check]
    print(f"checking the decision cache on {len(sample):,} subjects (warm vs cold, full JSON) …", flush=True)
    cache_checked, cache_problems = check_cache(pack, sample)
    problems += cache_problems
    if problems:
        print(f"\nFAIL: engine and baseline disagree on {len(problems)} of {checked} subjects:", file=sys.stderr)
        for line in problems[:20]:
            print("  " + line, file=sys.stderr)
        return 1
    print(f"  ok: {checked:,} subjects agree (status, grade, score); cache: {cache_checked:,} identical", flush=True)
    counting = Evaluator(pack, cache=DecisionCache(limit=10**9))
    for s in subjects:
        counting.evaluate(s, CYCLE)
    decisions = len(counting.cache or ())
    print(f"  distinct decisions (engine cache entries) after one pass: {decisions:,}", flush=True)
    mix: dict[str, int] = {}
    for s in subjects:
        key = "/".join(str(x) for x in score_subject(s)[:2])
        mix[key] = mix.get(key, 0) + 1

    freeze_fixture()
    print("timing in process …", flush=True)
    rows = in_process(pack, text, subjects, dicts, args.repeats)
    baseline_us = rows[0].us

    top: list[str] = []
    parts: list[tuple[str, float]] = []
    if args.profile:
        print("profiling the engine (trace=True) …", flush=True)
        top = profile_engine(pack, subjects, OUT / "profile.txt")
        print("\n".join(top))
        parts = components(pack, subjects)
        for name, us in parts:
            print(f"  {name:40s} {us:8.2f} µs/subject")

    del subjects, dicts, text
    gc.collect()
    runs: list[CliRun] = []
    if not args.skip_cli:
        print("end to end …", flush=True)
        sizes = sorted({args.cli_small, args.cli_subjects})
        runs = end_to_end(sizes, args.seed, cache_diagnostic=not args.no_cache_diagnostic)

    report = table(rows, runs, baseline_us, args.subjects)
    print("\n" + report)
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "loadavg_at_start": load_start,
            "loadavg_at_end": os.getloadavg(),
        },
        "measured_code": str(Path(medcredit.__file__).resolve().parent),
        "snapshot": os.environ.get("BENCH_SNAPSHOT"),
        "git_head_at_start": head_start,
        "git_head_at_end": _git("rev-parse", "HEAD"),
        "src_dirty": bool(_git("status", "--porcelain", "src")),
        "subjects": args.subjects,
        "seed": args.seed,
        "repeats": args.repeats,
        "checked_subjects": checked,
        "cache_checked_subjects": cache_checked,
        "decision_cache_entries_after_one_pass": decisions,
        "outcome_mix": dict(sorted(mix.items())),
        "baseline_us": baseline_us,
        "in_process": [
            {
                "name": r.name,
                "what": r.what,
                "us_per_subject": r.us,
                "subjects_per_s": 1e6 / r.us,
                "ratio_to_baseline": r.us / baseline_us,
                "seconds": r.seconds,
            }
            for r in rows
        ],
        "end_to_end": [
            {
                **asdict(run),
                "us_per_subject_gross": run.us,
                "us_per_subject_net": run.net_us,
                "subjects_per_s_net": 1e6 / run.net_us if run.net_us else None,
                "ratio_to_baseline_net": run.net_us / baseline_us,
            }
            for run in runs
        ],
        "profile_top": top,
        "engine_components_us": dict(parts),
    }
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    print(f"\nwrote {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    raise SystemExit(main())
