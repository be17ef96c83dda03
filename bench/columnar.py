"""Benchmark the columnar path (and Spark local mode) against the hand-written Wushan scorer.

    python bench/columnar.py                                  # 10k, 100k, 1M in process
    python bench/columnar.py --sizes 10000 --repeats 2        # quick check
    python bench/columnar.py --spark-sizes 100000,1000000     # plus Spark local[2]
    python bench/columnar.py --sizes 10000000 --replicate     # 10M: the 1M tables ×10, ids suffixed,
                                                              # graded in batches of 1M subjects

Per size, in a child process (so peak RSS belongs to that size alone):

1. the workload of ``generate.py`` (seed 1) as JSONL, then as the two Parquet tables
   (``medcredit table convert``), cached in ``bench/out``;
2. correctness before timing: ``evaluate_table`` and ``baseline.score_dict`` must agree on
   (status, grade, score) for every subject, or the run fails;
3. timings, interleaved, median of ``--repeats``: ``baseline.score_dict`` over the parsed
   JSON dicts (the hand-written scorer; parsing excluded) and ``evaluate_table`` over the
   tables already in memory (file reading excluded; schema validation, the trace matrix and
   the results table included), on one thread per available core (the default) and on one
   thread (whose CPU time compares with the baseline's), and the validation alone as ``evaluate_table`` makes it (the
   join of records to slices of subjects, then each slice validated);
4. peak RSS of a second child that only reads the tables and runs ``evaluate_table``.

Spark: ``medcredit.spark.evaluate_dataframe`` on the same Parquet files in ``local[2]``,
results written to Parquet (so every row is computed), session start-up excluded.
Results: markdown on stdout, JSON in ``bench/out/columnar.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CYCLE = 2023
sys.path.insert(0, str(HERE))


def _files(n: int) -> tuple[Path, Path, Path]:
    from generate import write

    OUT.mkdir(exist_ok=True)
    jsonl = OUT / f"wushan-{n}.jsonl"
    s, r = OUT / f"wushan-{n}-subjects.parquet", OUT / f"wushan-{n}-records.parquet"
    if not jsonl.exists():
        write(n, 1, jsonl)
    if not (s.exists() and r.exists()):
        from medcredit.columnar.parquet import convert_jsonl

        done = convert_jsonl(jsonl, s, r)
        assert not done.rejected, done.rejected[:3]
    return jsonl, s, r


def _copies(n: int) -> Any:
    """The 10M-scale population as batches of 1M subjects: copy k of the 1M tables, ids suffixed ``-k``.

    A province-scale run grades subject ranges one after the other (one table of 10M would need
    ≈ 20 GB here); the copies are made before the clock starts (as reading a batch would be).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    base = 1_000_000
    assert n % base == 0
    _, s_path, r_path = _files(base)
    s, r = pq.read_table(s_path), pq.read_table(r_path)
    for k in range(n // base):
        suffix = pa.scalar(f"-{k}")
        yield (
            s.set_column(0, "id", pc.binary_join_element_wise(s.column("id"), suffix, "")),
            r.set_column(0, "subject_id", pc.binary_join_element_wise(r.column("subject_id"), suffix, "")),
        )


def _replicated(n: int) -> tuple[Path, Path]:
    """10M-scale tables: the 1M tables repeated, each copy's ids suffixed (same mix, unique ids)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    base = 1_000_000
    assert n % base == 0
    s_out, r_out = OUT / f"wushan-{n}-rep-subjects.parquet", OUT / f"wushan-{n}-rep-records.parquet"
    if s_out.exists() and r_out.exists():
        return s_out, r_out
    _, s_path, r_path = _files(base)
    s, r = pq.read_table(s_path), pq.read_table(r_path)
    with pq.ParquetWriter(s_out, s.schema) as ws, pq.ParquetWriter(r_out, r.schema) as wr:
        for k in range(n // base):
            suffix = pa.scalar(f"-{k}")
            ws.write_table(s.set_column(0, "id", pc.binary_join_element_wise(s.column("id"), suffix, "")))
            wr.write_table(
                r.set_column(0, "subject_id", pc.binary_join_element_wise(r.column("subject_id"), suffix, ""))
            )
    return s_out, r_out


def _timed(fn: Any) -> tuple[float, float]:
    """(wall, CPU) seconds of one call; CPU time is what compares on a shared machine."""
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def child_batches(n: int, repeats: int) -> dict[str, Any]:
    """10M: ``evaluate_table`` over batches of 1M subjects; the baseline over the 1M dicts, once per batch."""
    from baseline import score_dict

    from medcredit.columnar import evaluate_table
    from medcredit.pack.loader import load_pack

    def baseline_rounds() -> list[tuple[float, float]]:
        jsonl, _, _ = _files(1_000_000)
        with jsonl.open(encoding="utf-8") as fh:
            dicts = [json.loads(line, parse_float=Decimal) for line in fh]
        return [_timed(lambda: [score_dict(d) for d in dicts]) for _ in range(repeats)]

    pack = load_pack("wushan")
    wall = cpu = 0.0
    records = graded = 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for s, r in _copies(n):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        result = evaluate_table(pack, s, r, cycle=CYCLE)
        w, c = time.perf_counter() - w0, time.process_time() - c0
        assert set(result.column("evaluated_by").to_pylist()) == {"columnar"}
        wall, cpu, records, graded = wall + w, cpu + c, records + r.num_rows, graded + result.num_rows
        del result, s, r
    assert graded == n, (graded, n)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline's dicts
    baseline = baseline_rounds()
    copies = n // 1_000_000
    return {
        "subjects": n,
        "records": records,
        "batches": copies,
        "baseline_s": statistics.median(w for w, _ in baseline) * copies,
        "baseline_cpu_s": statistics.median(c for _, c in baseline) * copies,
        "columnar_s": wall,
        "columnar_cpu_s": cpu,
        "rss_before_batches_mb": rss_before,
        "peak_rss_mb": peak,
    }


def child_timing(n: int, repeats: int, replicate: bool) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from baseline import score_dict

    from medcredit.columnar import evaluate_table
    from medcredit.pack.loader import load_pack

    pack = load_pack("wushan")
    if replicate:
        s_path, r_path = _replicated(n)
        dicts: list[dict[str, Any]] = []
    else:
        jsonl, s_path, r_path = _files(n)
        with jsonl.open(encoding="utf-8") as fh:
            dicts = [json.loads(line, parse_float=Decimal) for line in fh]
    s, r = pq.read_table(s_path), pq.read_table(r_path)
    result = evaluate_table(pack, s, r, cycle=CYCLE)
    by = set(result.column("evaluated_by").to_pylist())
    assert by == {"columnar"}, by
    if dicts:
        want = [score_dict(d) for d in dicts]
        got = zip(
            result.column("status").to_pylist(),
            result.column("grade").to_pylist(),
            result.column("score").to_pylist(),
            strict=True,
        )
        bad = [
            (d["id"], g, w)
            for d, g, w in zip(dicts, got, want, strict=True)
            if (g[0], g[1], None if g[2] is None else Decimal(g[2])) != (w[0], w[1], w[2])
        ]
        assert not bad, bad[:5]
    del result
    rounds: dict[str, list[tuple[float, float]]] = {"baseline": [], "columnar": [], "columnar1": [], "validation": []}
    for _ in range(repeats):  # interleaved rounds: every measurement sees the same machine load
        if dicts:
            rounds["baseline"].append(_timed(lambda: [score_dict(d) for d in dicts]))
        # the default (one thread per available core), and one thread: CPU time is comparable only there
        rounds["columnar"].append(_timed(lambda: evaluate_table(pack, s, r, cycle=CYCLE)))
        rounds["columnar1"].append(_timed(lambda: evaluate_table(pack, s, r, cycle=CYCLE, threads=1)))
        rounds["validation"].append(_timed(lambda: _validation(s, r)))
    out: dict[str, Any] = {"subjects": n, "records": r.num_rows}
    for key, pairs in rounds.items():
        if pairs:
            out[f"{key}_s"] = statistics.median(w for w, _ in pairs)
            out[f"{key}_cpu_s"] = statistics.median(c for _, c in pairs)
    return out


def _validation(subjects: Any, records: Any) -> None:
    """Validation as ``evaluate_table`` does it: records joined to slices of subjects, each slice validated."""
    from medcredit.columnar.evaluate import SLICE_SUBJECTS
    from medcredit.columnar.schema import Nulls, validate, validate_part
    from medcredit.columnar.slices import partition

    found = partition(subjects, records, SLICE_SUBJECTS)
    if found is None:
        validate(subjects, records)
        return
    nulls = Nulls()
    for piece in found.pieces(subjects, records):
        assert validate_part(piece.subjects, piece.records, piece.record_subject, nulls) is not None


def child_rss(n: int, replicate: bool) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from medcredit.columnar import evaluate_table
    from medcredit.pack.loader import load_pack

    s_path, r_path = _replicated(n) if replicate else _files(n)[1:]
    pack = load_pack("wushan")
    s, r = pq.read_table(s_path), pq.read_table(r_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    evaluate_table(pack, s, r, cycle=CYCLE)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_after_load_mb": before, "peak_rss_mb": peak}


def child_spark(n: int, replicate: bool, buckets: int) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    from medcredit.spark import evaluate_dataframe

    s_path, r_path = _replicated(n) if replicate else _files(n)[1:]
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.shuffle.partitions", str(buckets))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        df = evaluate_dataframe("wushan", spark.read.parquet(str(s_path)), spark.read.parquet(str(r_path)), cycle=CYCLE)
        df.write.mode("overwrite").parquet(str(Path(tmp) / "results"))
        elapsed = time.perf_counter() - t0
        rows = spark.read.parquet(str(Path(tmp) / "results")).count()
    spark.stop()
    assert rows == n, (rows, n)
    return {"spark_s": elapsed, "buckets": buckets}


def _run_child(kind: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--sizes", str(n), "--repeats", str(args.repeats)]
    if args.replicate:
        cmd.append("--replicate")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"child {kind} {n} failed")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def _row(x: dict[str, Any]) -> str:
    n = x["subjects"]

    def us(key: str) -> str:
        return f"{x[key] / n * 1e6:.3f}" if key in x else "–"

    def ratio(a: str, b: str, digits: int = 2) -> str:
        return f"{x[a] / x[b]:.{digits}f}" if a in x and b in x else "–"

    rate = f"{n / x['spark_s']:,.0f}" if "spark_s" in x else "–"
    rss = f"{x['peak_rss_mb']:.0f}" if "peak_rss_mb" in x else "–"
    return (
        f"| {n:,} | {x.get('records', 0):,} | {us('baseline_cpu_s')} | {us('columnar1_cpu_s')} | "
        f"{ratio('columnar1_cpu_s', 'baseline_cpu_s')} | {ratio('columnar1_s', 'baseline_s')} | "
        f"{ratio('columnar_s', 'baseline_s')} | {us('validation_cpu_s')} | "
        f"{rss} | {us('spark_s')} | {rate} | {ratio('spark_s', 'columnar_s', 1)} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--spark-sizes", default="")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replicate", action="store_true", help="sizes are multiples of 1M built from the 1M tables")
    parser.add_argument("--child", choices=("timing", "rss", "spark"))
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x]
    if args.child:
        n = sizes[0]
        if args.child == "timing" and args.replicate:
            data = child_batches(n, args.repeats)
        elif args.child == "timing":
            data = child_timing(n, args.repeats, args.replicate)
        elif args.child == "rss":
            data = child_rss(n, args.replicate)
        else:
            data = child_spark(n, args.replicate, max(2, n // 100_000))
        print(json.dumps(data))
        return 0
    results: list[dict[str, Any]] = []
    for n in sizes:
        row = _run_child("timing", n, args)
        if not args.replicate:  # batches: the timing child's own peak is the batch's peak
            row.update(_run_child("rss", n, args))
        results.append(row)
        sys.stderr.write(json.dumps(row) + "\n")
    for n in [int(x) for x in args.spark_sizes.split(",") if x]:
        row = next((x for x in results if x["subjects"] == n), {"subjects": n})
        row.update(_run_child("spark", n, args))
        sys.stderr.write(json.dumps(row) + "\n")
        if row not in results:
            results.append(row)
    OUT.mkdir(exist_ok=True)
    meta = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (OUT / "columnar.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2), "utf-8")
    print(
        "| subjects | records | baseline µs/subj (CPU) | columnar, one thread, µs/subj (CPU) | × baseline (CPU, one "
        "thread) | × baseline (wall, one thread) | × baseline (wall, a thread per core) | of which validation µs "
        "| peak RSS MB | Spark µs/subj (wall) | Spark subj/s | Spark × columnar (wall) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for x in results:
        print(_row(x))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
