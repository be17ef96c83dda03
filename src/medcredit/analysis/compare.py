"""One history under several packs, side by side (``medcredit compare``, ``POST /v1/compare``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medcredit.diagnostics.errors import ArgumentError, InternalError, MedcreditError, ValidityError
from medcredit.engine.evaluation import evaluate
from medcredit.history.model import Subject
from medcredit.pack.compiled import CompiledPack


def _unrated_row(pack: CompiledPack, subject: Subject, status: str, note: str) -> dict[str, Any]:
    """The row of a subject the pack gives no result for (outside validity, failed), with why."""
    return {
        "subject": subject.id,
        "pack": pack.id,
        "status": status,
        "grade": None,
        "score": None,
        "listings": [],
        "measures": [],
        "note": note,
    }


def _row(pack: CompiledPack, subject: Subject, cycle: int, override_validity: bool) -> dict[str, Any]:
    try:
        r = evaluate(pack, subject, cycle, override_validity=override_validity)
    except ValidityError as exc:
        return _unrated_row(pack, subject, "outside_validity", str(exc))
    return {
        "subject": r.subject_id,
        "pack": pack.id,
        "status": r.status,
        "grade": r.grade,
        "grade_label": pack.grade_label(r.grade) if r.grade else None,
        "score": None if r.score is None else format(r.score, "f"),
        "listings": [x.list_id for x in r.listings if x.active],
        "measures": list(r.measures),
        "exclusions": list(r.exclusions),
        "reason": r.reason,
    }


def compare_rows(
    packs: Sequence[CompiledPack], subject: Subject, cycle: int, *, override_validity: bool = False
) -> tuple[list[dict[str, Any]], list[tuple[int, MedcreditError]]]:
    """One row per pack: status, grade, score, lists and measures; and the failures, by the pack's index.

    Outside validity is a row, not an error; a pack under which the subject's evaluation fails gives a
    ``failed`` row with the error (the subject's rows under the other packs stay), and the failure is
    returned to be reported.
    """
    rows: list[dict[str, Any]] = []
    failures: list[tuple[int, MedcreditError]] = []
    for k, pack in enumerate(packs):
        try:
            rows.append(_row(pack, subject, cycle, override_validity))
        except ArgumentError:
            raise  # about the call (the cycle), not this subject
        except Exception as caught:  # one pack's failure never loses the comparison
            error = caught if isinstance(caught, MedcreditError) else InternalError.wrapping(caught)
            failures.append((k, error))
            rows.append(_unrated_row(pack, subject, "failed", f"{type(error).__name__}: {error}"))
    return rows, failures
