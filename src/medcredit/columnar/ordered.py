"""Slices graded on a pool of threads, their results taken in input order.

NumPy and Arrow release the interpreter lock inside their kernels, and a slice's
Python-level work is a few thousand calls against millions of array elements, so two
slices graded on two threads overlap almost entirely.  Each slice writes only its own
rows of the output, and results are consumed in input order, so the table is the same
whatever the number of threads.  At most twice ``threads`` slices are in flight: the
next slices are taken (their records joined, or copied in subject order) while the
threads grade the ones before, so taking a slice is off the threads' path, and memory
stays bounded by the number of threads, not the number of slices.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_order(work: Callable[[T], R], items: Iterable[T], threads: int) -> Generator[R, None, None]:
    """``map(work, items)``, computed on ``threads`` threads (one: in this thread, no pool); items are
    read at most ``2 * threads`` ahead of the result being consumed."""
    if threads <= 1:
        yield from map(work, items)
        return
    pool = ThreadPoolExecutor(threads, thread_name_prefix="medcredit-slice")
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= 2 * threads:  # one item ready for each thread as it frees up
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # a consumer that stops early (a slice with a problem) leaves nothing running behind it
        pool.shutdown(wait=True, cancel_futures=True)
