"""The Dask recipe on one machine against the columnar path in process, on demand.

    python bench/dask_local.py                          # 100k and 1M subjects
    python bench/dask_local.py --sizes 100000           # quick check

The Wushan workload of ``generate.py`` (seed 1) as the two Parquet tables, cached in
``bench/out`` (shared with ``columnar.py``).  Per size, in a child process: the tables
read with ``dask.dataframe.read_parquet`` and graded with
``medcredit.dask.evaluate_dataframe`` on Dask's ``threads`` and ``processes`` schedulers
(two workers, ``--partitions`` or one partition per 50k subjects), the results computed
to one pandas frame; and ``evaluate_table`` in process over the same tables read with
pyarrow.  Wall seconds include reading the Parquet files in every row (Dask reads inside
its tasks); a run checks that every path gives the same (id, status, grade, score) before
reporting.  Never run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CYCLE = 2023


def child(n: int, partitions: int) -> dict[str, Any]:
    import dask.dataframe as dd
    import pyarrow.parquet as pq
    from columnar import _files

    from medcredit.columnar import evaluate_table
    from medcredit.dask import evaluate_dataframe
    from medcredit.pack.loader import load_pack

    _, s_path, r_path = _files(n)
    out: dict[str, Any] = {"subjects": n, "partitions": partitions}
    t0 = time.perf_counter()
    table = evaluate_table(load_pack("wushan"), pq.read_table(s_path), pq.read_table(r_path), cycle=CYCLE)
    out["in_process_s"] = time.perf_counter() - t0
    want = sorted(zip(*(table.column(c).to_pylist() for c in ("id", "status", "grade", "score")), strict=True))
    for scheduler in ("threads", "processes"):
        t0 = time.perf_counter()
        results = evaluate_dataframe(
            "wushan", dd.read_parquet(str(s_path)), dd.read_parquet(str(r_path)), cycle=CYCLE, partitions=partitions
        )
        frame = results.compute(scheduler=scheduler, num_workers=2)
        out[f"{scheduler}_s"] = time.perf_counter() - t0
        got = sorted(
            zip(
                *(frame[c].astype(object).where(frame[c].notna(), None) for c in ("id", "status", "grade", "score")),
                strict=True,
            )
        )
        assert got == want, f"{scheduler}: results differ from evaluate_table"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--partitions", type=int, default=0, help="default: one per 50k subjects, at least 2")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if args.child:
        n = sizes[0]
        print(json.dumps(child(n, args.partitions or max(2, n // 50_000))))
        return 0
    print(
        "| subjects | partitions | in process s | Dask threads s | × in process | Dask processes s | × in process "
        "| subjects/s (threads) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", "--sizes", str(n), "--partitions", str(args.partitions)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=os.environ.copy())
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-4000:])
            return 1
        x = json.loads(done.stdout.strip().splitlines()[-1])
        base = x["in_process_s"]
        print(
            f"| {n:,} | {x['partitions']} | {base:.2f} | {x['threads_s']:.2f} | {x['threads_s'] / base:.1f} | "
            f"{x['processes_s']:.2f} | {x['processes_s'] / base:.1f} | {n / x['threads_s']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
