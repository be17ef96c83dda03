"""Evaluating many subjects with full accounting: every input is a result, a located error or a counted skip.

One subject whose evaluation fails (an expression dividing by a zero fact, say)
becomes a :class:`Failed` outcome carrying the typed error; the batch goes on.
Errors that concern the whole batch, not one subject (a cycle outside the
pack's validity, a wrong argument), still stop it: every subject would fail
the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from medcredit.diagnostics.errors import ArgumentError, InternalError, MedcreditError, ValidityError
from medcredit.diagnostics.escape import one_line
from medcredit.engine.codegen.program import CompactResult
from medcredit.engine.evaluation import Evaluator
from medcredit.engine.linked import linked_subjects
from medcredit.engine.window import evaluation_point
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
        """One line: the id and the error's message may echo input text, its control characters are escaped."""
        return one_line(f"{self.where}: [error] subject {self.subject_id}: {type(self.error).__name__}: {self.error}")


Outcome = Result | CompactResult | Rejected | Failed


@dataclass(slots=True)
class BatchSummary:
    """The closing account of a batch: ``inputs == results + rejected + failed + skipped``."""

    read: int = 0
    results: int = 0
    rejected: int = 0
    failed: int = 0
    tally: ReadTally = field(default_factory=ReadTally)
    linked: int = 0  # results of persons linked to an input institution (not inputs themselves)

    @property
    def skipped(self) -> int:
        return self.tally.blank

    @property
    def inputs(self) -> int:
        """Input lines of a JSONL stream; items of a JSON/YAML document, or subjects and blank rows of a
        spreadsheet (counted by the reader, not summed here)."""
        return self.tally.lines if self.tally.lines else self.read + self.tally.blank

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
            "linked_results": self.linked,
            "balanced": self.balanced,
        }

    def line(self) -> str:
        linked = f" (and {self.linked} linked persons)" if self.linked else ""
        return (
            f"{self.inputs} inputs: {self.results} evaluated{linked}, {self.rejected} rejected, "
            f"{self.failed} failed, {self.skipped} blank lines skipped"
        )


def evaluate_items(
    evaluator: Evaluator | CompiledPack,
    items: Iterable[Item],
    cycle: int | None,
    *,
    summary: BatchSummary | None = None,
    trace: bool = True,
    override_validity: bool = False,
    as_of: dt.date | None = None,
    linked: bool = False,
    compact: bool = False,
) -> Iterator[tuple[Item, Outcome]]:
    """(item, outcome) for every item read; ``summary`` (if given) is kept up to date as they are yielded.

    ``as_of`` evaluates an as-of or rolling pack on a date; ``linked`` also yields, after each
    institution, the results of its linked persons as subjects of their own (counted apart: they
    are results, not inputs).  ``compact`` yields a subject graded by generated code as a
    :class:`~medcredit.engine.codegen.CompactResult`, for a writer that renders it directly.
    """
    ev = evaluator if isinstance(evaluator, Evaluator) else Evaluator(evaluator)
    evaluation_point(ev.pack, cycle, as_of)  # a wrong cycle or date is about the batch: raise before reading
    account = summary if summary is not None else BatchSummary()
    for item in items:
        account.read += 1
        if isinstance(item, Rejected):
            account.rejected += 1
            yield item, item
            continue
        subjects = (item.subject, *linked_subjects(item.subject)) if linked else (item.subject,)
        for n, subject in enumerate(subjects):
            try:
                result: Result | CompactResult
                if compact:
                    result = ev.evaluate_compact(
                        subject, cycle, as_of=as_of, trace=trace, override_validity=override_validity
                    )
                else:
                    result = ev.evaluate(subject, cycle, as_of=as_of, trace=trace, override_validity=override_validity)
            except (ValidityError, ArgumentError):
                raise  # about the batch, not this subject
            except Exception as caught:
                # a defect met on one subject's data (an overflow, say) fails that subject alone
                exc = caught if isinstance(caught, MedcreditError) else InternalError.wrapping(caught)
                if n == 0:
                    account.failed += 1
                    yield item, Failed(item.where, subject.id, exc)
                    break
                yield item, Failed(f"{item.where} linked person {subject.id}", subject.id, exc)
                continue
            if n == 0:
                account.results += 1
            else:
                account.linked += 1
            yield item, result


__all__ = ["BatchSummary", "Failed", "Loaded", "Outcome", "evaluate_items"]
