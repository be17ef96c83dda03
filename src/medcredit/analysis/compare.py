"""One history under several packs, side by side (``medcredit compare``, ``POST /v1/compare``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medcredit.diagnostics.errors import ArgumentError, InternalError, MedcreditError, ValidityError
from medcredit.engine.evaluation import evaluate
from medcredit.history.model import Subject
from medcredit.pack.compiled import CompiledPack


def compare_rows(
    packs: Sequence[CompiledPack], subject: Subject, cycle: int, *, override_validity: bool = False
) -> list[dict[str, Any]]:
    """One row per pack: status, grade, score, lists and measures (outside validity is a row, not an error)."""
    rows: list[dict[str, Any]] = []
    for pack in packs:
        try:
            r = evaluate(pack, subject, cycle, override_validity=override_validity)
        except ValidityError as exc:
            rows.append(
                {
                    "subject": subject.id,
                    "pack": pack.id,
                    "status": "outside_validity",
                    "grade": None,
                    "score": None,
                    "listings": [],
                    "measures": [],
                    "note": str(exc),
                }
            )
            continue
        rows.append(
            {
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
        )
    return rows


def failed_row(pack: CompiledPack, subject: Subject, error: MedcreditError) -> dict[str, Any]:
    """The row of a subject whose evaluation under ``pack`` failed: kept, with the error, not dropped."""
    return {
        "subject": subject.id,
        "pack": pack.id,
        "status": "failed",
        "grade": None,
        "score": None,
        "listings": [],
        "measures": [],
        "note": f"{type(error).__name__}: {error}",
    }


def compare_each(
    packs: Sequence[CompiledPack], subject: Subject, cycle: int, *, override_validity: bool = False
) -> tuple[list[dict[str, Any]], list[tuple[CompiledPack, MedcreditError]]]:
    """:func:`compare_rows` pack by pack: a pack under which the subject fails gives a ``failed`` row (the
    subject's rows under the other packs stay), and the failures are returned to be reported."""
    rows: list[dict[str, Any]] = []
    failures: list[tuple[CompiledPack, MedcreditError]] = []
    for pack in packs:
        try:
            rows.extend(compare_rows([pack], subject, cycle, override_validity=override_validity))
        except ArgumentError:
            raise  # about the call (the cycle), not this subject
        except Exception as caught:  # one pack's failure never loses the comparison
            error = caught if isinstance(caught, MedcreditError) else InternalError.wrapping(caught)
            failures.append((pack, error))
            rows.append(failed_row(pack, subject, error))
    return rows, failures
