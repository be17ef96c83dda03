"""``in_order``: work on a pool of threads, results in input order, nothing left running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from medcredit.columnar.ordered import in_order


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_results_come_in_input_order(threads: int) -> None:
    def slow_first(k: int) -> int:
        if k % 3 == 0:
            time.sleep(0.002)  # early items finish last: order must not follow completion
        return k * k

    assert list(in_order(slow_first, range(40), threads)) == [k * k for k in range(40)]


def test_one_thread_runs_in_the_callers_thread() -> None:
    seen = list(in_order(lambda _: threading.get_ident(), range(3), 1))
    assert seen == [threading.get_ident()] * 3


def test_items_are_taken_as_threads_free_up() -> None:
    taken: list[int] = []
    running = 0
    most = 0
    lock = threading.Lock()

    def items() -> Iterator[int]:
        for k in range(30):
            taken.append(k)
            yield k

    def work(k: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.001)
        with lock:
            running -= 1
        return k

    results = in_order(work, items(), 3)
    assert next(results) == 0
    # the input is read ahead of the threads by one item each (taking a slice overlaps the work), no more
    assert len(taken) <= 6
    assert list(results) == list(range(1, 30))
    assert most <= 3


def test_stopping_early_leaves_nothing_running() -> None:
    done: list[int] = []

    def work(k: int) -> int:
        time.sleep(0.001)
        done.append(k)
        return k

    for k in in_order(work, range(1000), 2):
        if k == 5:
            break
    settled = len(done)
    time.sleep(0.01)
    assert len(done) == settled < 20  # the queued items were cancelled, the running ones finished


def test_an_error_in_the_work_reaches_the_caller() -> None:
    def work(k: int) -> int:
        if k == 7:
            raise ValueError("slice 7")
        return k

    with pytest.raises(ValueError, match="slice 7"):
        list(in_order(work, range(20), 2))
