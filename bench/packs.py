"""One workload per bundled pack (lists, repair, linked persons, managed clinics included), on demand.

    python bench/packs.py --sizes 10000,100000          # every bundled pack, in process
    python bench/packs.py --sizes 1000000 --cli-only    # the CLI per pack at 1M (about 20 min on 2 cores)
    python bench/packs.py --sizes 100000 --pack liaoning

The population is the deterministic mixed one of ``tests/golden_bytes/population.py``
(every record kind, code and subject category occur), generated and measured in blocks of
``--block`` subjects so that memory stays flat at any size.  For each pack the script reports,
as CPU time per subject and as a ratio to ``json.loads`` of the same lines measured on the
same block right before (the parse floor, which no engine can beat):

- ``read``: JSONL line → validated Subject (``iter_jsonl``);
- ``interpreted`` / ``compiled``: evaluate with the full trace, results dropped as made;
- ``end to end``: the CLI's work in process: read + ``evaluate_compact`` + the trace line
  written straight from the compact outcome (``DirectEncoder.line``), the interpreter's Result
  otherwise;
- ``CLI``: ``medcredit evaluate --format jsonl --override-validity`` over the population
  written to a file (with the default ``--jobs auto``: one process per core from 4 MiB,
  about 10,000 subjects), as a subprocess with standard output to /dev/null, against a child
  that only ``json.loads`` every line of the same file (wall and CPU), with its peak RSS;

plus the peak RSS of the in-process measurement.  No hand-written scorer exists for these
packs, so the floor is the parse (the Wushan workload has one: bench/compiled.py, run.py).
Never run by the test suite: timings on shared machines swing 3x, so they are reported,
not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
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
    start = time.process_time()
    work()
    return time.process_time() - start


class PackTimes:
    """CPU seconds per path for one pack, summed over the blocks."""

    def __init__(self, name: str) -> None:
        self.pack = load_pack(name)
        self.cycle = CYCLES.get(name, 2023)
        self.interpreted = Evaluator(self.pack, compiled=False)
        self.compiled = Evaluator(self.pack, compiled=True)
        self.direct = DirectEncoder(self.pack, TraceEncoder(self.pack))
        self.seconds = {"floor": 0.0, "read": 0.0, "interpreted": 0.0, "compiled": 0.0, "end to end": 0.0}
        self.subjects = 0

    def block(self, lines: list[str], floor: float) -> None:
        ov = True  # the population spans several years: evaluate outside the validity where needed
        cycle, seconds = self.cycle, self.seconds
        seconds["floor"] += floor
        seconds["read"] += _cpu(lambda: [None for _ in iter_jsonl(lines, "bench.jsonl")])
        subjects = [i.subject for i in iter_jsonl(lines, "bench.jsonl") if isinstance(i, Loaded)]
        for path, ev in (("interpreted", self.interpreted), ("compiled", self.compiled)):
            seconds[path] += _cpu(lambda ev=ev: [None for s in subjects if ev.evaluate(s, cycle, override_validity=ov)])
        compiled, direct = self.compiled, self.direct

        def end_to_end() -> None:
            for item in iter_jsonl(lines, "bench.jsonl"):
                if isinstance(item, Loaded):
                    out = compiled.evaluate_compact(item.subject, cycle, override_validity=ov)
                    direct.line(out) if isinstance(out, CompactResult) else direct.reference.encode(out)

        seconds["end to end"] += _cpu(end_to_end)
        self.subjects += len(lines)

    def row(self) -> dict[str, float]:
        s, per = self.seconds, 1e6 / self.subjects
        row = {"json.loads µs": s["floor"] * per}
        row.update({f"{k} ×floor": v / s["floor"] for k, v in s.items() if k != "floor"})
        row["end to end µs"] = s["end to end"] * per
        return row


def _blocks(n: int, seed: int, size: int) -> Iterator[list[str]]:
    block: list[str] = []
    for s in population(n, seed):
        block.append(json.dumps(s, ensure_ascii=False))
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


FLOOR = "import json,sys\nwith open(sys.argv[1],'rb') as f:\n    for line in f: json.loads(line)\n"


# runs a command and reports its peak RSS: a small fresh parent, since a child forked from this process (which
# may hold a population's worth of memory) would count the pages it shared at the fork in its own peak
LAUNCH = (
    "import resource,subprocess,sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


def _child(command: list[str]) -> dict[str, float]:
    """Wall and CPU seconds and peak RSS of one child (exit 1, problems reported, is expected here: the
    population holds a few invalid histories on purpose)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", LAUNCH, *command], capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)  # the launcher's share is tiny
    return {"wall": wall, "cpu": cpu, "rss_mb": int(done.stderr.split()[-1]) / 1024}


def cli_rows(n: int, seed: int, names: list[str]) -> list[dict[str, Any]]:
    """``medcredit evaluate`` per pack over the population in a file, against the json.loads child."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"population-{n}-seed{seed}.jsonl"
    if not path.exists():
        with path.open("w", encoding="utf-8") as f:
            for block in _blocks(n, seed, 10_000):
                f.write("\n".join(block) + "\n")
    rows = []
    for name in names:
        floor = _child([sys.executable, "-c", FLOOR, str(path)])
        cycle = str(CYCLES.get(name, 2023))
        command = [sys.executable, "-m", "medcredit", "evaluate", "--pack", name, "--cycle", cycle]
        got = _child([*command, "--override-validity", "--format", "jsonl", str(path)])
        rows.append(
            {
                "pack": name,
                "floor wall s": floor["wall"],
                "CLI wall s": got["wall"],
                "× floor (wall)": got["wall"] / floor["wall"],
                "× floor (CPU)": got["cpu"] / floor["cpu"],
                "peak RSS MB": got["rss_mb"],
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    return rows


def _table(title: str, rows: dict[str, dict[str, float]]) -> None:
    heads = list(next(iter(rows.values())))
    print(f"| {title} | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(heads))
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(f"{v:,.2f}" for v in row.values()) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000", help="comma-separated numbers of subjects")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--block", type=int, default=10_000, help="subjects generated and timed at a time")
    parser.add_argument("--pack", action="append", help="only these packs (repeatable)")
    parser.add_argument("--cli", action="store_true", help="also run the CLI per pack")
    parser.add_argument("--cli-only", action="store_true", help="only the CLI per pack")
    args = parser.parse_args()
    names = args.pack or bundled_pack_names()
    for n in (int(x) for x in args.sizes.split(",")):
        if not args.cli_only:
            times = {name: PackTimes(name) for name in names}
            for block in _blocks(n, args.seed, args.block):
                # the floor once per block for every pack, the best of three (the machine is shared)
                floor = min(_cpu(lambda block=block: [json.loads(line) for line in block]) for _ in range(3))
                for t in times.values():
                    t.block(block, floor)
            _table(f"pack ({n:,} subjects, in process)", {name: t.row() for name, t in times.items()})
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"\npeak RSS of the in-process run {peak:.0f} MB\n")
        if args.cli or args.cli_only:
            rows = cli_rows(n, args.seed, names)
            _table(f"pack ({n:,} subjects, CLI)", {r.pop("pack"): r for r in rows})
            print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
