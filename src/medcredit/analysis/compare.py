"""One history under several packs, side by side (``medcredit compare``, ``POST /v1/compare``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medcredit.diagnostics.errors import ValidityError
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
