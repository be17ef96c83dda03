"""The release fuzz run: many mutated packs and histories, counting every way the promise could break.

    python bench/fuzz.py --packs 100000 --histories 100000 --workers 2 --out bench/fuzz-run

Each worker process drives the mutators of ``tests/fuzz`` with its own seeded
generator and counts, per input kind:

- ``inputs``: inputs run to the end;
- ``foreign``: exceptions that are not a MedcreditError (each input is saved under ``OUT/crashers``);
- ``hangs``: inputs whose load exceeded the CPU bound (a pack 2 s; a history line 50 ms to read),
  or whose whole run exceeded the hard CPU limit (an itimer on process CPU time);
- ``over_memory``: inputs that needed more than 200 MB beyond the worker's footprint (RLIMIT_AS);
- ``refused``/``accepted``: how the library answered.

Counts are written to ``OUT/worker-N.json`` every few hundred inputs, so an interrupted run
still reports exactly how many inputs ran.  Nothing here reads the wall clock for a verdict.
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
from medcredit.history.reader import iter_jsonl  # noqa: E402

PACK_LOAD_CPU_S = 2.0
LINE_READ_CPU_S = 0.050
HARD_CPU_S = 30.0
MEMORY_HEADROOM = 200 * 1024 * 1024


class _HardLimitError(Exception):
    pass


def _on_itimer(_signum: int, _frame: Any) -> None:
    raise _HardLimitError


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit_memory() -> None:
    """Allow this process 200 MB of address space beyond what it holds now."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    limit = pages * resource.getpagesize() + MEMORY_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _load_cpu(kind: str, text: str) -> float:
    started = _cpu()
    if kind == "pack":
        with contextlib.suppress(MedcreditError):
            medcredit.validate_pack_text(text, "fuzz.yaml")
    else:
        list(iter_jsonl(io.StringIO(text + "\n"), "fuzz.jsonl"))
    return _cpu() - started


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
    stats: Counter[str] = Counter(inputs=0, foreign=0, hangs=0, over_memory=0, refused=0)
    foreign: Counter[str] = Counter()
    bound = PACK_LOAD_CPU_S if kind == "pack" else LINE_READ_CPU_S
    status = out_dir / f"worker-{kind}-{index}.json"

    def dump() -> None:
        status.write_text(json.dumps({"kind": kind, "seed": seed, **stats, "foreign_by_type": foreign}, indent=1))

    for i in range(count):
        rng = random.Random(f"{seed}:{kind}:{index}:{i}")
        try:
            text = mutators.mutate_pack(rng) if kind == "pack" else mutators.mutate_history_line(rng)
        except Exception:  # a fuzzer bug, not a medcredit one: counted apart, the run goes on
            stats["mutator_errors"] += 1
            continue
        cli = cli_every > 0 and i % cli_every == 0
        started = _cpu()
        signal.setitimer(signal.ITIMER_PROF, HARD_CPU_S)
        try:
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
        stats["cpu_ms_total"] += int(spent * 1000)
        # the whole run is within the load bound, so the load is too; otherwise time the load alone
        if spent > bound and _load_cpu(kind, text) > bound:
            stats["hangs"] += 1
            _save(crash_dir, kind, index, i, text, f"load over {bound} s CPU")
        if i % 250 == 0:
            dump()
    dump()


def _save(folder: Path, kind: str, index: int, i: int, text: str, why: str) -> None:
    case = {"kind": kind, "found": why, "text": text}
    (folder / f"{kind}-{index}-{i}.json").write_text(json.dumps(case, ensure_ascii=True, indent=1) + "\n")


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
    for kind, index, *_rest in jobs:
        result = json.loads(Path(args.out, f"worker-{kind}-{index}.json").read_text())
        result.pop("kind")
        result.pop("seed")
        by_type = result.pop("foreign_by_type")
        totals[kind].update(result)
        totals[kind].update({f"foreign:{k}": v for k, v in by_type.items()})
    report = {kind: dict(counter) for kind, counter in totals.items()}
    Path(args.out, "summary.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    bad = sum(c["foreign"] + c["hangs"] + c["over_memory"] for c in totals.values())
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
