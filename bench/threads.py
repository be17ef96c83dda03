"""Shared Evaluator (one decision cache, locked on write) vs one Evaluator per thread: CPU µs per subject.

    python bench/threads.py

Four threads grade 16,000 Wushan-like subjects; three rounds of each, printed as lists.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import generate

import medcredit
from medcredit.engine.evaluation import Evaluator

THREADS = 4


def run(subjects: list[medcredit.Subject], evaluator_for_thread: Callable[[], Evaluator]) -> float:
    chunks = [subjects[i::THREADS] for i in range(THREADS)]

    def work(chunk: list[medcredit.Subject]) -> None:
        ev = evaluator_for_thread()
        for s in chunk:
            ev.evaluate(s, 2023)

    began = time.process_time()
    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (time.process_time() - began) / len(subjects) * 1e6


def main() -> None:
    pack = medcredit.load_pack("wushan")
    subjects = [medcredit.Subject.model_validate_json(line) for line in generate(16000, 3)]
    shared_us: list[float] = []
    per_thread_us: list[float] = []
    for _ in range(3):
        shared = Evaluator(pack)
        shared_us.append(round(run(subjects, lambda ev=shared: ev), 1))
        per_thread_us.append(round(run(subjects, lambda: Evaluator(pack)), 1))
    print({"shared_lock_us": shared_us, "per_thread_us": per_thread_us})


if __name__ == "__main__":
    main()
