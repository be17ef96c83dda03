"""The CLI end to end with the full trace, as a ratio to the parse floor, on demand.

    python bench/cli.py                                  # 10k, 100k and 1M subjects, --jobs 1 and 2
    python bench/cli.py --sizes 20000 --jobs 1,2         # quick check

The workload is ``generate.py``'s (the Wushan scorecard mix, seed 1), cached in ``bench/out``.
Per size, in child processes:

- the floor: ``json.loads`` of every line of the same file, read line by line (what merely
  parsing the input costs; no engine can beat it);
- ``medcredit evaluate --pack wushan --cycle 2023 --format jsonl FILE --jobs N``, standard output
  to ``/dev/null`` (the trace lines are built and written, the disk is left out).

It reports wall and CPU seconds (CPU summed over the CLI's worker processes), the ratio of the
CLI's wall time to the floor's wall time (the issue's target: at most 3), the ratio by CPU, the
trace bytes written per subject, and the peak RSS of the largest process.  A second run of the
smallest size checks that the outputs of every ``--jobs`` are byte-identical.  Never run by the
test suite: timings on shared machines swing 3x, so they are reported, not asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def workload(n: int) -> Path:
    """The generated file for ``n`` subjects (named by the generator's hash: a changed generator regenerates)."""
    digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:10]
    path = OUT / f"cli-{n}-{digest}.jsonl"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--subjects", str(n), "--seed", "1", "--out", str(path)],
            check=True,
        )
    return path


FLOOR = "import json,sys\nwith open(sys.argv[1],'rb') as f:\n    for line in f: json.loads(line)\n"


def run(command: list[str], stdout: int | None = subprocess.DEVNULL) -> dict[str, float]:
    """Wall and CPU seconds of one child (and its children), and the peak RSS of the largest of them."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "rss_mb": after.ru_maxrss / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--jobs", default="1,2")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs = [int(j) for j in args.jobs.split(",")]
    cli = [sys.executable, "-m", "medcredit", "evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "jsonl"]
    rows = []
    for n in sizes:
        path = workload(n)
        floor = run([sys.executable, "-c", FLOOR, str(path)])
        for j in jobs:
            got = run([*cli, str(path), "--jobs", str(j)])
            row = {"subjects": n, "jobs": j, "floor_wall": floor["wall"], "floor_cpu": floor["cpu"], **got}
            row["x_floor_wall"] = got["wall"] / floor["wall"]
            row["x_floor_cpu"] = got["cpu"] / floor["cpu"]
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    small = workload(sizes[0])
    outputs = set()
    for j in jobs:
        done = subprocess.run([*cli, str(small), "--jobs", str(j)], capture_output=True, check=False)
        outputs.add(hashlib.sha256(done.stdout).hexdigest())
    trace_bytes = len(subprocess.run([*cli, str(small)], capture_output=True, check=False).stdout) / sizes[0]
    print(f"load average at the end: {os.getloadavg()[0]:.1f}; outputs identical across --jobs: {len(outputs) == 1}")
    print(f"trace bytes per subject: {trace_bytes:,.0f}\n")
    print("| subjects | --jobs | floor wall s | CLI wall s | × floor (wall) | × floor (CPU) | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['subjects']:,} | {r['jobs']} | {r['floor_wall']:.2f} | {r['wall']:.1f} | {r['x_floor_wall']:.1f} |"
            f" {r['x_floor_cpu']:.1f} | {r['rss_mb']:.0f} |"
        )
    (OUT / "cli.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
