"""Evaluating many subjects with full accounting: every input is a result, a located error or a counted skip.

One subject whose evaluation fails (an expression dividing by a zero fact, say)
becomes a :class:`Failed` outcome carrying the typed error; the batch goes on.
Errors that concern the whole batch, not one subject (a cycle outside the
pack's validity, a wrong argument), still stop it: every subject would fail
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from medcredit.diagnostics.errors import ArgumentError, MedcreditError, ValidityError
from medcredit.engine.arguments import check_cycle
from medcredit.engine.evaluation import Evaluator
from medcredit.history.reader import Item, Loaded, ReadTally, Rejected
from medcredit.pack.compiled import CompiledPack
from medcredit.trace.result import TRACE_FORMAT, Result


@dataclass(frozen=True, slots=True)
class Failed:
    """A subject that was read but whose evaluation raised a typed error."""

    where: str
    subject_id: str
    error: MedcreditError

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": TRACE_FORMAT,
            "status": "failed",
            "where": self.where,
            "subject_id": self.subject_id,
            "error": {"type": type(self.error).__name__, "message": str(self.error)},
        }

    def render(self) -> str:
        return f"{self.where}: [error] subject {self.subject_id}: {type(self.error).__name__}: {self.error}"


Outcome = Result | Rejected | Failed


@dataclass(slots=True)
class BatchSummary:
    """The closing account of a batch: ``inputs == results + rejected + failed + skipped``."""

    read: int = 0
    results: int = 0
    rejected: int = 0
    failed: int = 0
    tally: ReadTally = field(default_factory=ReadTally)

    @property
    def skipped(self) -> int:
        return self.tally.blank

    @property
    def inputs(self) -> int:
        """Input lines of a JSONL stream; items of a JSON/YAML document (counted by the reader, not summed here)."""
        return self.tally.lines if self.tally.lines else self.read

    @property
    def balanced(self) -> bool:
        return self.inputs == self.results + self.rejected + self.failed + self.skipped

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "inputs": self.inputs,
            "results": self.results,
            "rejected": self.rejected,
            "failed": self.failed,
            "skipped_blank": self.skipped,
            "balanced": self.balanced,
        }

    def line(self) -> str:
        return (
            f"{self.inputs} inputs: {self.results} evaluated, {self.rejected} rejected, "
            f"{self.failed} failed, {self.skipped} blank lines skipped"
        )


def evaluate_items(
    evaluator: Evaluator | CompiledPack,
    items: Iterable[Item],
    cycle: int,
    *,
    summary: BatchSummary | None = None,
    trace: bool = True,
    override_validity: bool = False,
) -> Iterator[tuple[Item, Outcome]]:
    """(item, outcome) for every item read; ``summary`` (if given) is kept up to date as they are yielded."""
    check_cycle(cycle)
    ev = evaluator if isinstance(evaluator, Evaluator) else Evaluator(evaluator)
    account = summary if summary is not None else BatchSummary()
    for item in items:
        account.read += 1
        if isinstance(item, Rejected):
            account.rejected += 1
            yield item, item
            continue
        try:
            result = ev.evaluate(item.subject, cycle, trace=trace, override_validity=override_validity)
        except (ValidityError, ArgumentError):
            raise  # about the batch, not this subject
        except MedcreditError as exc:
            account.failed += 1
            yield item, Failed(item.where, item.subject.id, exc)
            continue
        account.results += 1
        yield item, result


__all__ = ["BatchSummary", "Failed", "Loaded", "Outcome", "evaluate_items"]
