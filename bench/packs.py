"""One workload per bundled pack (lists, repair, linked persons, managed clinics included), on demand.

    python bench/packs.py --subjects 10000            # every bundled pack, 10k subjects each
    python bench/packs.py --subjects 100000 --pack liaoning

The population is the deterministic mixed one of ``tests/golden_bytes/population.py``
(every record kind, code and subject category occur).  For each pack the script reports,
as CPU time per subject and as a ratio to ``json.loads`` of the same lines measured in the
same run (the parse floor, which no engine can beat):

- ``read``: JSONL line → validated Subject (``iter_jsonl``);
- ``interpreted`` / ``compiled``: evaluate with the full trace, results dropped as made;
- ``end to end (Result)``: read + evaluate (compiled) + the trace JSON of the full Result (``TraceEncoder``);
- ``end to end (direct)``: the CLI's work since the direct writer: read + ``evaluate_compact`` + the trace
  line written straight from the compact outcome (``DirectEncoder``), the interpreter's Result otherwise;

plus the peak RSS of the process.  Never run by the test suite: timings on shared machines
swing 3x, so they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "golden_bytes"))

from population import population  # noqa: E402

from medcredit.engine.codegen import CompactResult  # noqa: E402
from medcredit.engine.evaluation import Evaluator  # noqa: E402
from medcredit.history.reader import Loaded, iter_jsonl  # noqa: E402
from medcredit.pack.loader import bundled_pack_names, load_pack  # noqa: E402
from medcredit.render.direct import DirectEncoder  # noqa: E402
from medcredit.render.output import TraceEncoder  # noqa: E402

CYCLES = {"wushan": 2023, "suixian": 2023, "zhongmou": 2023, "liaoning": 2024}


def _cpu(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    work()
    return time.process_time() - start


def measure(name: str, lines: list[str]) -> dict[str, float]:
    pack = load_pack(name)
    cycle = CYCLES.get(name, 2023)
    n = len(lines)
    floor = _cpu(lambda: [json.loads(line) for line in lines])
    subjects = [i.subject for i in iter_jsonl(lines, "bench.jsonl") if isinstance(i, Loaded)]
    read = _cpu(lambda: list(iter_jsonl(lines, "bench.jsonl")))
    interpreted = Evaluator(pack, compiled=False)
    compiled = Evaluator(pack, compiled=True)
    ov = True  # the population spans several years: evaluate outside the validity where needed
    t_int = _cpu(lambda: [interpreted.evaluate(s, cycle, override_validity=ov) for s in subjects])
    t_comp = _cpu(lambda: [compiled.evaluate(s, cycle, override_validity=ov) for s in subjects])
    encoder = TraceEncoder(pack)

    def end_to_end() -> None:
        for item in iter_jsonl(lines, "bench.jsonl"):
            if isinstance(item, Loaded):
                encoder.encode(compiled.evaluate(item.subject, cycle, override_validity=ov))

    direct = DirectEncoder(pack, TraceEncoder(pack))

    def end_to_end_direct() -> None:
        for item in iter_jsonl(lines, "bench.jsonl"):
            if isinstance(item, Loaded):
                out = compiled.evaluate_compact(item.subject, cycle, override_validity=ov)
                direct.encode(out) if isinstance(out, CompactResult) else direct.reference.encode(out)

    t_e2e = _cpu(end_to_end)
    t_direct = _cpu(end_to_end_direct)
    per = 1e6 / n
    return {
        "json.loads µs": floor * per,
        "read ×floor": read / floor,
        "interpreted ×floor": t_int / floor,
        "compiled ×floor": t_comp / floor,
        "end to end (Result) ×floor": t_e2e / floor,
        "end to end (direct) ×floor": t_direct / floor,
        "end to end (direct) µs": t_direct * per,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pack", action="append", help="only these packs (repeatable)")
    args = parser.parse_args()
    lines = [json.dumps(s, ensure_ascii=False) for s in population(args.subjects, args.seed)]
    rows = {name: measure(name, lines) for name in (args.pack or bundled_pack_names())}
    heads = list(next(iter(rows.values())))
    print(f"| pack ({args.subjects:,} subjects) | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(heads))
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in row.values()) + " |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB (the population is held in memory for the in-process timings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
