"""Grading a history file with full accounting (the file-reading side of :mod:`medcredit.engine.batch`).

The engine stays pure: reading the file happens here, above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medcredit.engine.batch import BatchSummary, Outcome, evaluate_items
from medcredit.engine.evaluation import Evaluator
from medcredit.history.reader import Item, iter_subjects
from medcredit.pack.compiled import CompiledPack


def evaluate_file(
    pack: CompiledPack,
    path: str | Path,
    cycle: int,
    *,
    summary: BatchSummary | None = None,
    trace: bool = True,
    override_validity: bool = False,
) -> Iterator[tuple[Item, Outcome]]:
    """Evaluate every subject of a history file (JSON, JSONL streamed, YAML), accounting for every line.

    Pass a :class:`BatchSummary` to read the account once the iterator is exhausted:
    ``summary.inputs == summary.results + summary.rejected + summary.failed + summary.skipped``.
    """
    account = summary if summary is not None else BatchSummary()
    yield from evaluate_items(
        Evaluator(pack),
        iter_subjects(path, account.tally),
        cycle,
        summary=account,
        trace=trace,
        override_validity=override_validity,
    )
