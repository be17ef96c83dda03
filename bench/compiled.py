"""Benchmark the compiled engine (packs as generated Python) against the hand-written Wushan scorer.

    python bench/compiled.py [--subjects 100000] [--repeats 3] [--rows compiled_compact,compiled_compact_gcoff]

Same workload as ``bench/run.py`` (``generate.py``, seed 1), parsed once into
``Subject``s outside every timed region and frozen out of the collector's
sight (``gc.freeze``).  Before any timing, the compiled engine must agree with
the hand-written scorer on (status, grade, score) for every subject, and with
the interpreter on the whole Result (trace on) for the first 5,000.

Timed in CPU time (the machine is shared) over blocks of subjects, each block
right after the hand-written scorer on the same block; the ratio is the median
over the block pairs:

* ``baseline``: ``bench/baseline.score_subject`` (no trace);
* ``compiled_compact[_trace]``: the generated functions' compact outcome
  (``Program.outcome``; the trace as tuples of fact records and rule terms),
  with the interpreter for the subjects whose path is not compiled (hospitals'
  classification path, 5% of this workload), results dropped or kept;
* ``compiled_evaluate_compact_gcoff``: ``Evaluator(pack, compiled=True).evaluate_compact``
  without the trace, what ``medcredit evaluate --no-trace`` asks per subject: the compact outcome
  with the arguments checked, the identifier checked and the validity settled;
* ``compiled_result[_trace]``: ``Evaluator(pack, compiled=True).evaluate``,
  the engine's full ``Result`` (the trace expanded into typed steps);
* ``interpreted[_trace]``: ``Evaluator(pack).evaluate`` for reference.

Rows ending in ``_gcoff`` run with the cyclic collector disabled during the
batch (as ``medcredit evaluate`` does); the inputs are frozen (``gc.freeze``).
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


Block = list[Subject]


def _cases() -> dict[str, tuple[Callable[[Block], object], bool]]:
    """Each row: a function over a block of subjects, and whether the collector is off meanwhile."""
    pack = load_pack("wushan")
    program = program_for(pack)
    # one long-lived evaluator per engine, as one CLI run keeps one (the interpreter's decision cache warms up)
    fallback, compiled, interpreted = Evaluator(pack), Evaluator(pack, compiled=True), Evaluator(pack)

    def baseline(block: Block) -> object:
        for s in block:
            score_subject(s)
        return None

    def compact(trace: bool, keep: bool) -> Callable[[Block], object]:
        def run(block: Block) -> object:
            kept = []
            for s in block:
                path = program.compiled_for(pack, s)
                if path is None:  # out of scope or rolled up: the interpreter
                    out: object = fallback.evaluate(s, CYCLE, trace=trace)
                else:
                    out = program.outcome(pack, path, s, CYCLE, trace, False)
                if keep:
                    kept.append(out)
            return kept

        return run

    def engine_compact(ev: Evaluator) -> Callable[[Block], object]:
        def run(block: Block) -> object:
            for s in block:
                ev.evaluate_compact(s, CYCLE, trace=False)
            return None

        return run

    def engine(ev: Evaluator, trace: bool) -> Callable[[Block], object]:
        def run(block: Block) -> object:
            for s in block:
                ev.evaluate(s, CYCLE, trace=trace)
            return None

        return run

    cases: dict[str, tuple[Callable[[Block], object], bool]] = {"baseline": (baseline, False)}
    for gc_off in (False, True):
        tag = "_gcoff" if gc_off else ""
        cases[f"compiled_compact{tag}"] = (compact(False, False), gc_off)
        cases[f"compiled_compact_trace{tag}"] = (compact(True, False), gc_off)
        cases[f"compiled_compact_trace_kept{tag}"] = (compact(True, True), gc_off)
    cases["compiled_evaluate_compact_gcoff"] = (engine_compact(compiled), True)
    cases["compiled_result_gcoff"] = (engine(compiled, False), True)
    cases["compiled_result_trace_gcoff"] = (engine(compiled, True), True)
    cases["interpreted_gcoff"] = (engine(interpreted, False), True)
    cases["interpreted_trace_gcoff"] = (engine(interpreted, True), True)
    return cases


def _timed(fn: Callable[[Block], object], block: Block, gc_off: bool) -> float:
    """CPU seconds of this process for one call (the machine is shared: CPU time, not wall time)."""
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.process_time()
        kept = fn(block)
        elapsed = time.process_time() - t0
    finally:
        gc.enable()
    del kept
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--block", type=int, default=10_000, help="subjects per timed block")
    parser.add_argument("--rows", default="", help="comma-separated row names to time (default: all)")
    args = parser.parse_args(argv)
    path = dataset(args.subjects, 1)
    subjects = _parse_all(path.read_text(encoding="utf-8"), str(path))
    print(f"checking the compiled engine on {len(subjects):,} subjects …", flush=True)
    _check(subjects)
    cases = _cases()
    if args.rows:
        wanted = {"baseline", *args.rows.split(",")}
        unknown = wanted - set(cases)
        if unknown:
            parser.error(f"unknown rows: {', '.join(sorted(unknown))} (known: {', '.join(cases)})")
        cases = {name: case for name, case in cases.items() if name in wanted}
    gc.collect()
    gc.freeze()  # the inputs and the pack are out of the collector's sight, as in a streaming run
    blocks = [subjects[i : i + args.block] for i in range(0, len(subjects), args.block)]
    seconds: dict[str, float] = dict.fromkeys(cases, 0.0)
    ratios: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(args.repeats):
        for name, (fn, gc_off) in cases.items():
            # each block right after the baseline on the same block: a ratio per pair, robust to load changes
            for block in blocks:
                base = _timed(cases["baseline"][0], block, False)
                took = _timed(fn, block, gc_off)
                seconds[name] += took
                ratios[name].append(took / base)
            done = seconds[name] / ((r + 1) * len(subjects)) * 1e6
            print(f"  round {r + 1} {name:34s} {done:8.2f} µs", flush=True)
    n = args.repeats * len(subjects)
    print(f"\n{len(subjects):,} subjects, blocks of {args.block:,}, {args.repeats} rounds, CPU time\n")
    print("| row | µs/subject | × hand-written (median of block pairs) |\n|---|---:|---:|")
    for name in cases:
        print(f"| {name} | {seconds[name] / n * 1e6:.2f} | {statistics.median(ratios[name]):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
