"""Benchmark the compiled engine (packs as generated Python) against the hand-written Wushan scorer.

    python bench/compiled.py [--subjects 100000] [--repeats 3]

Same workload as ``bench/run.py`` (``generate.py``, seed 1), parsed once into
``Subject``s outside every timed region and frozen out of the collector's
sight (``gc.freeze``).  Before any timing, the compiled engine must agree with
the hand-written scorer on (status, grade, score) for every subject, and with
the interpreter on the whole Result (trace on) for the first 5,000.

Timed, interleaved rounds, median per row, µs per subject and the ratio to
the hand-written scorer measured in the same round set:

* ``baseline``: ``bench/baseline.score_subject`` (no trace);
* ``compiled_compact[_trace]``: the generated functions' compact outcome
  (``Program.outcome``; the trace as tuples of fact records and rule terms),
  with the interpreter for the subjects whose path is not compiled (hospitals'
  classification path, 5% of this workload), results dropped or kept;
* ``compiled_result[_trace]``: ``Evaluator(pack, compiled=True).evaluate``,
  the engine's full ``Result`` (the trace expanded into typed steps);
* ``interpreted[_trace]``: ``Evaluator(pack).evaluate`` for reference.

Rows ending in ``_gcoff`` run with the cyclic collector disabled during the
batch (as ``medcredit evaluate`` does).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from baseline import score_subject
from run import CYCLE, _parse_all, dataset

from medcredit.engine.codegen import program_for
from medcredit.engine.evaluation import Evaluator
from medcredit.history.model import Subject
from medcredit.pack.loader import load_pack

HERE = Path(__file__).resolve().parent


def _check(subjects: list[Subject]) -> None:
    pack = load_pack("wushan")
    compiled, interpreted = Evaluator(pack, compiled=True), Evaluator(pack)
    for i, s in enumerate(subjects):
        r = compiled.evaluate(s, CYCLE, trace=i < 5000)
        got = (r.status, r.grade, r.score)
        if got != score_subject(s):
            raise SystemExit(f"compiled engine and baseline disagree on {s.id}: {got} vs {score_subject(s)}")
        if i < 5000 and r != interpreted.evaluate(s, CYCLE):
            raise SystemExit(f"compiled engine and interpreter disagree on {s.id}")


def _cases(subjects: list[Subject]) -> dict[str, tuple[Callable[[], object], bool]]:
    pack = load_pack("wushan")
    program = program_for(pack)

    def baseline() -> object:
        for s in subjects:
            score_subject(s)
        return None

    def compact(trace: bool, keep: bool) -> Callable[[], object]:
        def run() -> object:
            ev = Evaluator(pack)  # the interpreter for the paths not compiled
            kept = []
            for s in subjects:
                path = program.compiled_for(pack, s)
                if path is None:
                    out: object = ev.evaluate(s, CYCLE, trace=trace)
                else:
                    out = program.outcome(pack, path, s, CYCLE, trace, False)
                if keep:
                    kept.append(out)
            return kept

        return run

    def engine(compiled: bool, trace: bool) -> Callable[[], object]:
        def run() -> object:
            ev = Evaluator(pack, compiled=compiled)
            for s in subjects:
                ev.evaluate(s, CYCLE, trace=trace)
            return None

        return run

    cases: dict[str, tuple[Callable[[], object], bool]] = {"baseline": (baseline, False)}
    for gc_off in (False, True):
        tag = "_gcoff" if gc_off else ""
        cases[f"compiled_compact{tag}"] = (compact(False, False), gc_off)
        cases[f"compiled_compact_trace{tag}"] = (compact(True, False), gc_off)
        cases[f"compiled_compact_trace_kept{tag}"] = (compact(True, True), gc_off)
        cases[f"compiled_result{tag}"] = (engine(True, False), gc_off)
        cases[f"compiled_result_trace{tag}"] = (engine(True, True), gc_off)
    cases["interpreted"] = (engine(False, False), True)
    cases["interpreted_trace"] = (engine(False, True), True)
    return cases


def _timed(fn: Callable[[], object], gc_off: bool) -> float:
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.perf_counter()
        kept = fn()
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    del kept
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    path = dataset(args.subjects, 1)
    subjects = _parse_all(path.read_text(encoding="utf-8"), str(path))
    print(f"checking the compiled engine on {len(subjects):,} subjects …", flush=True)
    _check(subjects)
    cases = _cases(subjects)
    gc.collect()
    gc.freeze()  # the inputs and the pack are out of the collector's sight, as in a streaming run
    seconds: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(args.repeats):
        for name, (fn, gc_off) in cases.items():
            seconds[name].append(_timed(fn, gc_off))
            print(f"  round {r + 1} {name:34s} {seconds[name][-1] / len(subjects) * 1e6:8.2f} µs", flush=True)
    base = statistics.median(seconds["baseline"])
    print(f"\n| row | µs/subject | × hand-written |\n|---|---:|---:|  ({len(subjects):,} subjects)")
    for name, values in seconds.items():
        med = statistics.median(values)
        print(f"| {name} | {med / len(subjects) * 1e6:.2f} | {med / base:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
