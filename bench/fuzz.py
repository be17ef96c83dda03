"""The release fuzz run: many mutated packs and histories, counting every way the promise could break.

    python bench/fuzz.py --packs 100000 --histories 100000 --workers 2 --out bench/fuzz-run

Each worker process drives the mutators of ``tests/fuzz`` with its own seeded
generator and counts, per input kind:

- ``inputs``: inputs run to the end;
- ``foreign``: exceptions that are not a MedcreditError (each input is saved under ``OUT/crashers``);
- ``hangs``: inputs whose whole run (load, checks, evaluation, rendering, CLI) exceeded the hard
  CPU limit of 30 s (an itimer on process CPU time);
- ``over_bound``: inputs whose *load* exceeded the promised CPU bound (a pack 2 s to validate;
  a history line 50 ms to read, i.e. decoded, parsed and accepted or refused);
- ``over_memory``: inputs that needed more than 200 MB beyond the worker's footprint (RLIMIT_AS);
- ``refused``/``accepted``: how the library answered.

A history line's read is timed on its own for every line, from its bytes as a file holds them
(encoding detection, per-line decoding, JSON, validation), apart from the evaluation, rendering
and CLI calls that follow it; ``read_us`` is a histogram of those CPU times (0.1 ms bins) from
which the summary gives the mean, p99 and maximum.  A read over the bound is timed twice more
and counted in ``over_bound`` only if the fastest of the three is still over it
(``over_bound_once`` counts the first measurements over it), so that a scheduler hiccup on a
loaded machine is not reported as slow code.  A pack's load is timed again only when its whole
run exceeded the bound.

Counts are written to ``OUT/worker-N.json`` every few hundred inputs, so an interrupted run
still reports exactly how many inputs ran.  Nothing here reads the wall clock: all times are
CPU times of the worker process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

import harness  # noqa: E402
import mutators  # noqa: E402

import medcredit  # noqa: E402
from medcredit.diagnostics.errors import MedcreditError  # noqa: E402
from medcredit.diagnostics.problems import clear_suggestion_cache  # noqa: E402
from medcredit.history.reader import iter_jsonl  # noqa: E402
from medcredit.io.encoding import SAMPLE_BYTES, detect  # noqa: E402

PACK_LOAD_CPU_S = 2.0
LINE_READ_CPU_S = 0.050
HARD_CPU_S = 30.0
MEMORY_HEADROOM = 200 * 1024 * 1024


class _HardLimitError(Exception):
    pass


def _on_itimer(_signum: int, _frame: Any) -> None:
    raise _HardLimitError


def _cpu() -> float:
    """CPU seconds of this process (nanosecond clock, unlike getrusage's scheduler ticks)."""
    return time.process_time()


def _limit_memory() -> None:
    """Allow this process 200 MB of address space beyond what it holds now."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    limit = pages * resource.getpagesize() + MEMORY_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _read_history(data: bytes) -> None:
    """Read one JSONL file's bytes as ``medcredit evaluate`` does: detect the encoding, then line by line."""
    detected = detect(data[:SAMPLE_BYTES], None, "fuzz.jsonl")
    for _item in iter_jsonl(io.BytesIO(data), "fuzz.jsonl", detected.encoding):
        pass


def _load_cpu(kind: str, text: str) -> float:
    """CPU seconds to load ``text`` alone (under the hard limit: the caller catches _HardLimitError)."""
    data = b"" if kind == "pack" else harness.to_bytes(text) + b"\n"
    clear_suggestion_cache()  # from cold: a name suggested for an earlier input would make this one look cheaper
    signal.setitimer(signal.ITIMER_PROF, HARD_CPU_S)
    started = _cpu()
    try:
        if kind == "pack":
            with contextlib.suppress(MedcreditError):
                medcredit.validate_pack_text(text, "fuzz.yaml")
        else:
            _read_history(data)
        return _cpu() - started
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _over_bound(kind: str, text: str, first: float, bound: float) -> bool:
    """Whether the load stays over ``bound`` when timed twice more (the fastest of three counts)."""
    fastest = first
    for _ in range(2):
        if fastest <= bound:
            break
        try:
            fastest = min(fastest, _load_cpu(kind, text))
        except _HardLimitError:
            return True
    return fastest > bound


def worker(kind: str, index: int, count: int, seed: int, cli_every: int, out: str) -> None:
    out_dir = Path(out)
    crash_dir = out_dir / "crashers"
    crash_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="medcredit-fuzz-"))
    pack = medcredit.load_pack("wushan")
    signal.signal(signal.SIGPROF, _on_itimer)
    # warm up (imports, caches) before fixing the memory budget
    harness.exercise_pack(mutators.PACK_TEXTS["wushan"], workdir, cli=True)
    harness.exercise_history(mutators.HISTORY_LINES[0], workdir, pack, cli=True)
    _limit_memory()
    stats: Counter[str] = Counter(inputs=0, foreign=0, hangs=0, over_bound=0, over_memory=0, refused=0)
    foreign: Counter[str] = Counter()
    read_us: Counter[int] = Counter()  # history read CPU time, in 0.1 ms bins
    bound = PACK_LOAD_CPU_S if kind == "pack" else LINE_READ_CPU_S
    status = out_dir / f"worker-{kind}-{index}.json"

    def dump() -> None:
        histogram = {str(k): v for k, v in sorted(read_us.items())}
        record = {"kind": kind, "seed": seed, **stats, "foreign_by_type": foreign, "read_us_bins": histogram}
        status.write_text(json.dumps(record, indent=1))

    for i in range(count):
        rng = random.Random(f"{seed}:{kind}:{index}:{i}")
        try:
            text = mutators.mutate_pack(rng) if kind == "pack" else mutators.mutate_history_line(rng)
        except Exception:  # a fuzzer bug, not a medcredit one: counted apart, the run goes on
            stats["mutator_errors"] += 1
            continue
        cli = cli_every > 0 and i % cli_every == 0
        load: float | None = None
        hung = False
        started = _cpu()
        try:
            if kind == "history":
                # the promise is about reading the line: time that alone, for every line
                load = _load_cpu(kind, text)
                read_us[int(load * 10_000)] += 1
                stats["read_us_total"] += round(load * 1_000_000)
                stats["read_us_max"] = max(stats["read_us_max"], round(load * 1_000_000))
            signal.setitimer(signal.ITIMER_PROF, HARD_CPU_S)
            if kind == "pack":
                ok = harness.exercise_pack(text, workdir, cli=cli)
                stats["accepted" if ok else "refused"] += 1
            else:
                harness.exercise_history(text, workdir, pack, cli=cli)
                stats["read"] += 1
        except MedcreditError:
            stats["refused"] += 1
        except _HardLimitError:
            stats["hangs"] += 1
            _save(crash_dir, kind, index, i, text, "hard CPU limit")
            hung, load = True, None  # counted once, as a hang; not timed again
        except MemoryError:
            stats["over_memory"] += 1
            _save(crash_dir, kind, index, i, text, "MemoryError")
        except Exception as exc:  # counting every foreign exception is the point
            foreign[type(exc).__name__] += 1
            stats["foreign"] += 1
            _save(crash_dir, kind, index, i, text, traceback.format_exc(limit=-6))
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        stats["inputs"] += 1
        if cli:
            stats["with_cli"] += 1
        spent = _cpu() - started
        stats["cpu_us_total"] += round(spent * 1_000_000)
        if kind == "pack" and spent > bound and not hung:
            # the whole run is within the load bound, so the load is too; otherwise time the load alone
            try:
                load = _load_cpu(kind, text)
            except _HardLimitError:
                stats["hangs"] += 1
                _save(crash_dir, kind, index, i, text, "hard CPU limit (load alone)")
        if load is not None and load > bound:
            stats["over_bound_once"] += 1
            if _over_bound(kind, text, load, bound):
                stats["over_bound"] += 1
                _save(crash_dir, kind, index, i, text, f"load over {bound} s CPU")
        if i % 250 == 0:
            dump()
    dump()


def _save(folder: Path, kind: str, index: int, i: int, text: str, why: str) -> None:
    case = {"kind": kind, "found": why, "text": text}
    (folder / f"{kind}-{index}-{i}.json").write_text(json.dumps(case, ensure_ascii=True, indent=1) + "\n")


def _percentile(bins: Counter[int], fraction: float) -> float:
    """The upper edge (ms) of the 0.1 ms bin holding the given fraction of the timed reads."""
    wanted = fraction * sum(bins.values())
    seen = 0
    for key in sorted(bins):
        seen += bins[key]
        if seen >= wanted:
            return (key + 1) / 10
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packs", type=int, default=100_000)
    parser.add_argument("--histories", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="processes per input kind")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--cli-every", type=int, default=200, help="also run every CLI command on every Nth input")
    parser.add_argument("--out", default="bench/fuzz-run")
    args = parser.parse_args()
    jobs = []
    for kind, total in (("pack", args.packs), ("history", args.histories)):
        share, extra = divmod(total, args.workers)
        for index in range(args.workers):
            count = share + (1 if index < extra else 0)
            jobs.append((kind, index, count, args.seed, args.cli_every, args.out))
    # one process per job (a pool may hand two jobs to one process and leave another idle)
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=worker, args=job) for job in jobs]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    totals: dict[str, Counter[str]] = {"pack": Counter(), "history": Counter()}
    bins: dict[str, Counter[int]] = {"pack": Counter(), "history": Counter()}
    for kind, index, *_rest in jobs:
        result = json.loads(Path(args.out, f"worker-{kind}-{index}.json").read_text())
        result.pop("kind")
        result.pop("seed")
        by_type = result.pop("foreign_by_type")
        bins[kind].update({int(k): v for k, v in result.pop("read_us_bins").items()})
        slowest = max(totals[kind]["read_us_max"], result.pop("read_us_max", 0))
        totals[kind].update(result)
        totals[kind]["read_us_max"] = slowest
        totals[kind].update({f"foreign:{k}": v for k, v in by_type.items()})
    report: dict[str, dict[str, Any]] = {kind: dict(counter) for kind, counter in totals.items()}
    for kind, counter in totals.items():
        if counter["inputs"]:
            report[kind]["cpu_ms_mean"] = round(counter["cpu_us_total"] / counter["inputs"] / 1000, 3)
        if bins[kind]:
            read = sum(bins[kind].values())
            report[kind]["read_ms_mean"] = round(counter["read_us_total"] / read / 1000, 3)
            report[kind]["read_ms_p99"] = _percentile(bins[kind], 0.99)
            report[kind]["read_ms_p999"] = _percentile(bins[kind], 0.999)
            report[kind]["read_ms_max"] = round(counter["read_us_max"] / 1000, 3)
    Path(args.out, "summary.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    bad = sum(c["foreign"] + c["hangs"] + c["over_bound"] + c["over_memory"] for c in totals.values())
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
