"""Reading JSONL into Subjects: the pydantic path against the fast path, on demand.

    python bench/read.py --subjects 100000            # the Wushan workload of generate.py, seed 1
    python bench/read.py --input pop.jsonl --rounds 5

Each way of reading runs over the same lines, interleaved round by round, and the best CPU
time of the rounds is kept (on a shared machine the worst rounds measure the neighbours).
Items are dropped as they are read, as the CLI's stream does: kept in a list, 100k subjects make
the garbage collector's full passes the largest cost, whichever way they were read.

- ``json.loads`` and ``orjson.loads`` of every line: the parse floors;
- ``pydantic``: ``iter_jsonl`` with the fast path switched off, i.e. the reader before issue 14
  (``parse_json`` with its hooks, then ``Subject.model_validate``);
- ``fast, json``: ``iter_jsonl`` with the fast path and the standard library decoder;
- ``fast, orjson``: ``iter_jsonl`` with the fast path and orjson (``medcredit[fast]``).

Before timing, the three readers' items are compared on every line (equal subjects, or the
same problems).  Reported per subject and as ratios to the floors.  Never run by the tests.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402

from medcredit.history import fastpath  # noqa: E402
from medcredit.history.reader import Item, Loaded, iter_jsonl  # noqa: E402

try:
    import orjson
except ImportError:  # pragma: no cover - the core install
    orjson = None  # type: ignore[assignment]

_REAL_ORJSON = fastpath._orjson


@contextmanager
def way(name: str) -> Iterator[None]:
    """Switch the reader to one way of reading for the duration."""
    enabled, decoder = fastpath._ENABLED, fastpath._orjson
    fastpath._ENABLED = name != "pydantic"
    fastpath._orjson = _REAL_ORJSON if name == "fast, orjson" else None
    try:
        yield
    finally:
        fastpath._ENABLED, fastpath._orjson = enabled, decoder


def _read(lines: list[str]) -> list[Item]:
    return list(iter_jsonl(lines, "bench.jsonl"))


def _stream(lines: list[str]) -> None:
    deque(iter_jsonl(lines, "bench.jsonl"), maxlen=0)


def _key(item: Item) -> object:
    return item.subject.model_dump_json() if isinstance(item, Loaded) else item.problems


def _cpu(work: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    work()
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--input", type=Path, help="a JSONL file instead of the generated Wushan workload")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.input is not None:
        lines = args.input.read_text(encoding="utf-8").splitlines(keepends=True)
    else:
        lines = [line + "\n" for line in generate(args.subjects, args.seed)]
    ways = ["pydantic", "fast, json"] + (["fast, orjson"] if _REAL_ORJSON is not None else [])

    reference = None
    for name in ways:
        with way(name):
            keys = [_key(item) for item in _read(lines)]
        if reference is None:
            reference = keys
        elif keys != reference:
            print(f"{name}: items differ from the pydantic path", file=sys.stderr)
            return 1
    with way("fast, json"):
        built = sum(fastpath.subject_from_line(line) is not None for line in lines)

    work: dict[str, Callable[[], object]] = {"json.loads": lambda: deque(map(json.loads, lines), maxlen=0)}
    if orjson is not None:
        work["orjson.loads"] = lambda: deque(map(orjson.loads, lines), maxlen=0)
    for name in ways:

        def run(name: str = name) -> None:
            with way(name):
                _stream(lines)

        work[name] = run
    best = {name: float("inf") for name in work}
    for _ in range(args.rounds):
        for name, action in work.items():
            best[name] = min(best[name], _cpu(action))

    n = len(lines)
    floor = best["json.loads"]
    ofloor = best.get("orjson.loads")
    print(f"{n} lines, {sum(map(len, lines)) / n:.0f} characters each on average; best of {args.rounds} rounds")
    print(f"fast path built {built} of {n} lines without pydantic ({100 * built / n:.1f}%)")
    print(f"{'way':<14} {'µs/subject':>10} {'× json.loads':>13} {'× orjson.loads':>15} {'× pydantic':>11}")
    for name, seconds in best.items():
        per = seconds / n * 1e6
        vs_orjson = f"{seconds / ofloor:15.2f}" if ofloor else f"{'-':>15}"
        print(f"{name:<14} {per:10.2f} {seconds / floor:13.2f} {vs_orjson} {seconds / best['pydantic']:11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
