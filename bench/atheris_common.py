"""What the atheris targets share: the CPU clock, the bound check, and starting the fuzzer.

The targets (``atheris_pack_yaml.py``, ``atheris_history.py``) are run on demand,
never by the test suite's CI profile: ``pip install -e '.[atheris]'`` then
``python bench/atheris_history.py -atheris_runs=100000 CORPUS_DIR`` (any libFuzzer
flag works; see docs/guide/robustness.md).  Without atheris they say so and exit 0.
Each target's ``check`` function is plain Python, so ``tests/fuzz`` runs it on the
seed inputs without atheris.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: Atheris instruments every branch and comparison of medcredit's Python code, which makes it
#: 5-20 times slower (a line read in 5 ms takes 50-70 ms instrumented).  The targets check the
#: CPU bounds with this margin, to catch unbounded work; ``bench/fuzz.py`` measures the exact bound
#: on uninstrumented code.
INSTRUMENTED_MARGIN = 20


class SlowInputError(Exception):
    """An input whose load stayed over the promised CPU bound in three timings."""


def cpu_seconds() -> float:
    return time.process_time()


def within_bound(action: Callable[[], object], bound_s: float) -> None:
    """Run ``action``; over ``bound_s`` of CPU (times the instrumentation margin), time it twice more.

    Fail if the fastest of the three is still over: on a shared machine one timing can include
    the scheduler's hiccups.
    """
    bound_s *= INSTRUMENTED_MARGIN
    from medcredit.diagnostics.problems import clear_suggestion_cache

    fastest = float("inf")
    for _ in range(3):
        clear_suggestion_cache()  # each timing from cold
        started = cpu_seconds()
        action()
        fastest = min(fastest, cpu_seconds() - started)
        if fastest <= bound_s:
            return
    raise SlowInputError(f"{fastest * 1000:.1f} ms of CPU, over the bound of {bound_s * 1000:.0f} ms")


def instrumented() -> contextlib.AbstractContextManager[object]:
    """Import medcredit inside this block: with atheris, its code reports coverage to the fuzzer."""
    try:
        import atheris
    except ImportError:
        return contextlib.nullcontext()
    return atheris.instrument_imports(include=["medcredit"])  # type: ignore[no-any-return]


def crasher_texts(kind: str) -> list[bytes]:
    """The kept crashers of ``tests/fuzz/crashers`` of one kind, as seed inputs."""
    import json

    folder = ROOT / "tests" / "fuzz" / "crashers"
    cases = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]
    return [case["text"].encode("utf-8", "surrogatepass") for case in cases if case["kind"] == kind]


def run(check: Callable[[bytes], None], seeds: Callable[[], list[bytes]], name: str) -> int:
    """Start atheris on ``check`` (argv goes to libFuzzer); seed an empty corpus directory with ``seeds``."""
    try:
        import atheris
    except ImportError:
        print(f"{name}: atheris is not installed (pip install -e '.[atheris]'); skipped", file=sys.stderr)
        return 0
    for arg in sys.argv[1:]:
        folder = Path(arg)
        if not arg.startswith("-") and folder.is_dir() and not any(folder.iterdir()):
            for i, seed in enumerate(seeds()):
                (folder / f"seed-{i:03d}").write_bytes(seed)
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()
    return 0
