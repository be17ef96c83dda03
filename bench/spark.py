"""Benchmark medcredit.spark in local mode against the in-process columnar path, in the same run.

    python bench/spark.py --sizes 100000,1000000          # generated workload (bench/columnar.py)
    python bench/spark.py --sizes 10000000                # 10M: the 1M tables ×10, ids suffixed
    python bench/spark.py --sizes 100000 --paths nested   # one path only

The Wushan workload of ``generate.py`` (seed 1) as the two Parquet tables of
``bench/columnar.py`` (10M: ``--replicate`` there, the 1M tables repeated with ids
suffixed ``-0`` … ``-9``).  Per size, each in its own child process:

- **columnar**: ``evaluate_table`` in process over the tables in memory (file reading
  excluded), best of ``--repeats``; at 10M, over the ten 1M copies one after the other
  (10M rows do not fit in memory beside Spark on this machine), the sum of the ten calls;
- **cogroup**: ``evaluate_dataframe`` (the general path: both tables shuffled by subject
  id, ``cogroup(...).applyInArrow``) on the Parquet files, results written to Parquet;
- **nest** (once per size, untimed in the ratio): ``nest_records`` written to Parquet, the
  one-time shuffle of the fast path;
- **nested**: ``evaluate_nested`` (``mapInArrow``, no shuffle) on that nested Parquet,
  results written to Parquet.

Spark runs in ``local[2]`` with a 4 GB driver; session start-up is excluded; every
result file is read back and must hold one row per subject, and (below 10M) the grades
must equal the in-process table's.  Peak RSS is the largest sum, sampled every 0.5 s,
over the child and all its descendants (Python driver, JVM, Python workers) while
Spark grades and writes (the in-process check afterwards excluded).
Results: markdown on stdout, JSON in ``bench/out/spark-<sizes>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CYCLE = 2023
BASE = 1_000_000
sys.path.insert(0, str(HERE))


class TreeRss:
    """Peak resident memory of this process and all its descendants (sampled: Spark starts a JVM and workers)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(os.getpid()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def _processes() -> dict[int, tuple[int, int]]:
    """pid → (parent pid, resident pages)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            pages = int(Path(f"/proc/{name}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        found[int(name)] = (int(stat[stat.rfind(")") + 2 :].split()[1]), pages)
    return found


def tree_rss_mb(root: int) -> float:
    procs = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in procs.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += procs.get(pid, (0, 0))[1]
        todo.extend(children.get(pid, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def _paths(n: int) -> tuple[Path, Path]:
    from columnar import _files, _replicated

    return _replicated(n) if n > BASE else _files(n)[1:]


def child_columnar(n: int, repeats: int) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from medcredit.columnar import evaluate_table
    from medcredit.pack.loader import load_pack

    pack = load_pack("wushan")
    rss = TreeRss()
    if n <= BASE:
        s_path, r_path = _paths(n)
        s, r = pq.read_table(s_path), pq.read_table(r_path)
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            evaluate_table(pack, s, r, cycle=CYCLE)
            best = min(best, time.perf_counter() - t0)
        return {"columnar_s": best, "columnar_peak_rss_mb": rss.stop(), "records": r.num_rows}
    _, s_path, r_path = _files_1m()
    s, r = pq.read_table(s_path), pq.read_table(r_path)
    total = 0.0
    for k in range(n // BASE):  # the copies of the replicated tables, one at a time
        suffix = pa.scalar(f"-{k}")
        sk = s.set_column(0, "id", pc.binary_join_element_wise(s.column("id"), suffix, ""))
        rk = r.set_column(0, "subject_id", pc.binary_join_element_wise(r.column("subject_id"), suffix, ""))
        t0 = time.perf_counter()
        evaluate_table(pack, sk, rk, cycle=CYCLE)
        total += time.perf_counter() - t0
    return {"columnar_s": total, "columnar_peak_rss_mb": rss.stop(), "records": r.num_rows * (n // BASE)}


def _files_1m() -> tuple[Path, Path, Path]:
    from columnar import _files

    return _files(BASE)


def _session(buckets: int) -> Any:
    from pyspark.sql import SparkSession

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("medcredit-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", str(buckets))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def buckets_for(n: int) -> int:
    """About 50k subjects a bucket, and at least two tasks per core."""
    return max(4, n // 50_000)


def child_spark(n: int, path: str, check: bool) -> dict[str, Any]:
    from medcredit.spark import evaluate_dataframe, evaluate_nested, nest_records

    s_path, r_path = _paths(n)
    buckets = buckets_for(n)
    rss = TreeRss()
    spark = _session(buckets)
    out: dict[str, Any] = {"buckets": buckets}
    subjects, records = spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path))
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        results = str(Path(tmp) / "results")
        t0 = time.perf_counter()
        if path == "cogroup":
            df = evaluate_dataframe("wushan", subjects, records, cycle=CYCLE, buckets=buckets)
        else:
            nested = OUT / f"wushan-{n}-nested.parquet"
            if not nested.exists():
                nest_records(subjects, records).write.parquet(str(nested))
                out["nest_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            df = evaluate_nested("wushan", spark.read.parquet(str(nested)), cycle=CYCLE)
        df.write.parquet(results)
        out[f"{path}_s"] = time.perf_counter() - t0
        # the peak of the Spark run alone: the check below grades the population in process too
        out[f"{path}_peak_rss_mb"] = rss.stop()
        written = spark.read.parquet(results)
        rows = written.count()
        assert rows == n, (rows, n)
        if check:
            out[f"{path}_agrees"] = _agrees(written, s_path, r_path)
            assert out[f"{path}_agrees"], f"{path}: Spark's results differ from the in-process table"
    spark.stop()
    return out


def _agrees(written: Any, s_path: Path, r_path: Path) -> bool:
    """Spark's (id, status, grade, score, trace matrix) equal the in-process table's, row for row."""
    import pyarrow.parquet as pq

    from medcredit.columnar import evaluate_table
    from medcredit.pack.loader import load_pack

    want = evaluate_table(load_pack("wushan"), pq.read_table(s_path), pq.read_table(r_path), cycle=CYCLE)
    keys = [c for c in want.column_names if c in ("id", "status", "grade", "score") or c.startswith("rule:")]
    got = {tuple(row) for row in written.select(*[f"`{k}`" for k in keys]).collect()}
    return got == {tuple(row[k] for k in keys) for row in want.select(keys).to_pylist()}


def _run_child(kind: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--sizes", str(n), "--repeats", str(args.repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"child {kind} {n} failed")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def _rows(x: dict[str, Any], paths: list[str]) -> list[str]:
    n = x["subjects"]
    lines = []
    for path in paths:
        if f"{path}_s" not in x:
            continue
        wall = x[f"{path}_s"]
        ratio = f"{wall / x['columnar_s']:.1f}" if "columnar_s" in x else "–"
        nest = f"{x['nest_s']:.0f}" if path == "nested" and "nest_s" in x else "–"
        agrees = {True: "yes", False: "NO"}.get(x.get(f"{path}_agrees"), "–")  # type: ignore[call-overload]
        lines.append(
            f"| {path} | {n:,} | {x['buckets'] if path == 'cogroup' else '–'} | {wall:.1f} | {n / wall:,.0f} | "
            f"{x.get('columnar_s', float('nan')):.2f} | {ratio} | {x[f'{path}_peak_rss_mb']:,.0f} | {nest} | {agrees} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--paths", default="cogroup,nested")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", choices=("columnar", "cogroup", "nested"))
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if args.child:
        n = sizes[0]
        data = child_columnar(n, args.repeats) if args.child == "columnar" else child_spark(n, args.child, n <= BASE)
        print(json.dumps(data))
        return 0
    paths = [p for p in args.paths.split(",") if p]
    OUT.mkdir(exist_ok=True)
    results: list[dict[str, Any]] = []
    for n in sizes:
        row: dict[str, Any] = {"subjects": n, **_run_child("columnar", n, args)}
        for path in paths:
            row.update(_run_child(path, n, args))
            sys.stderr.write(json.dumps(row) + "\n")
        results.append(row)
    meta = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    name = "-".join(str(n) for n in sizes)
    (OUT / f"spark-{name}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2), "utf-8")
    print(
        "| path | subjects | buckets | wall s | subjects/s | columnar in process s | × columnar (wall) "
        "| peak RSS MB | nest once s | same grades |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for x in results:
        print("\n".join(_rows(x, paths)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
