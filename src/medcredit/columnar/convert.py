"""Between the per-subject model and the two tables: Subjects → tables, table rows → Subjects.

The first direction feeds tests, benchmarks and ``medcredit table convert``; the
second rebuilds the validated :class:`~medcredit.history.model.Subject` of a row
when the per-subject engine must run (fallback, full trace).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from medcredit.columnar.schema import RECORD_COLUMNS, SUBJECT_COLUMNS
from medcredit.diagnostics.errors import HistoryError
from medcredit.diagnostics.problems import Problem
from medcredit.history.model import Record, Subject

_PLAIN_RECORD_FIELDS = tuple(
    name for name in RECORD_COLUMNS if name in Record.model_fields and name not in ("document", "objection")
)


class _Columns:
    def __init__(self, names: Iterable[str]) -> None:
        self.data: dict[str, list[Any]] = {name: [] for name in names}

    def add(self, row: dict[str, Any]) -> None:
        for name, values in self.data.items():
            values.append(row.get(name))


def _record_row(subject_id: str, record: Record, clinic: tuple[str, str | None] | None) -> dict[str, Any]:
    row: dict[str, Any] = {name: getattr(record, name) for name in _PLAIN_RECORD_FIELDS}
    row["subject_id"] = subject_id
    if record.score is not None:
        row["score"] = str(record.score)
    if record.points is not None:
        row["points"] = str(record.points)
    if clinic is not None:
        row["clinic_id"], row["clinic_name"] = clinic
    if record.document is not None:
        row["document_kind"] = record.document.kind
        row["document_number"] = record.document.number
        row["document_date"] = record.document.date
    if record.objection is not None:
        row["objection_filed"] = record.objection.filed
        row["objection_status"] = record.objection.status
        row["objection_resolved"] = record.objection.resolved
        row["objection_reason"] = record.objection.reason
    return row


#: Fields of the history that the two tables have no column for (a subject carrying one is refused, never
#: converted without it: the columnar grade could differ from the per-subject one)
NO_COLUMN_SUBJECT_FIELDS = ("designated", "prior_results")
NO_COLUMN_RECORD_FIELDS = ("institution",)
_ADVICE = "; evaluate this subject with the per-subject engine (medcredit evaluate)"


def no_table_form(subject: Subject) -> str | None:
    """Why ``subject`` cannot be written as table rows (None when it can)."""
    if subject.linked_institutions:
        return "linked_institutions have no table form" + _ADVICE
    if any(not clinic.records for clinic in subject.managed_clinics):
        return "a managed clinic without records has no row in the records table"
    for name in NO_COLUMN_SUBJECT_FIELDS:
        if getattr(subject, name):
            return f"'{name}' has no column in the subjects table" + _ADVICE
    records = [*subject.records, *(r for clinic in subject.managed_clinics for r in clinic.records)]
    for name in NO_COLUMN_RECORD_FIELDS:
        if any(getattr(r, name) is not None for r in records):
            return f"a record's '{name}' has no column in the records table" + _ADVICE
    return None


def subjects_to_tables(subjects: Iterable[Subject], *, file: str = "<subjects>") -> tuple[pa.Table, pa.Table]:
    """The subjects and records tables of ``subjects`` (input order kept, record order kept).

    ``linked_institutions`` (institutions nested inside a person) have no table form: a
    subject carrying them is refused rather than converted without them.
    """
    subj = _Columns(SUBJECT_COLUMNS)
    recs = _Columns(RECORD_COLUMNS)
    for number, s in enumerate(subjects, start=1):
        why = no_table_form(s)
        if why is not None:
            raise HistoryError(
                f"{file}: subject {s.id} cannot be converted",
                [Problem(code="table-no-table-form", message=why, file=file, line=number, path=(s.id,))],
            )
        subj.add(
            {
                "id": s.id,
                "category": s.category.value,
                "name": s.name,
                "parent_id": s.parent_id,
                "opened": s.opened,
                "agreement_end_date": s.agreement_end.date if s.agreement_end else None,
                "agreement_end_reason": s.agreement_end.reason if s.agreement_end else None,
                "linked_persons": [p.model_dump() for p in s.linked_persons] if s.linked_persons else None,
            }
        )
        for record in s.records:
            recs.add(_record_row(s.id, record, None))
        for clinic in s.managed_clinics:
            for record in clinic.records:
                recs.add(_record_row(s.id, record, (clinic.id, clinic.name)))
    subjects_table = pa.table({k: pa.array(v, SUBJECT_COLUMNS[k]) for k, v in subj.data.items()})
    records_table = pa.table({k: pa.array(v, RECORD_COLUMNS[k]) for k, v in recs.data.items()})
    return subjects_table, records_table


def _record_dict(row: dict[str, Any]) -> dict[str, Any]:
    data = {name: row[name] for name in _PLAIN_RECORD_FIELDS if row[name] is not None}
    if row["score"] is not None:
        data["score"] = row["score"]
    if row["document_kind"] is not None:
        data["document"] = {"kind": row["document_kind"], "number": row["document_number"]}
        if row["document_date"] is not None:
            data["document"]["date"] = row["document_date"]
    if row["objection_status"] is not None:
        objection = {"filed": row["objection_filed"], "status": row["objection_status"]}
        for name in ("resolved", "reason"):
            if row[f"objection_{name}"] is not None:
                objection[name] = row[f"objection_{name}"]
        data["objection"] = objection
    return data


def rows_to_subjects(
    subjects: pa.Table, records: pa.Table, rows: Sequence[int], record_rows: Sequence[Sequence[int]]
) -> list[Subject]:
    """Subjects of the given subject rows, each with its record rows (in table order)."""
    s_rows = subjects.take(list(rows)).to_pylist()
    flat = [j for group in record_rows for j in group]
    r_all = records.take(flat).to_pylist() if flat else []
    out: list[Subject] = []
    position = 0
    for srow, group in zip(s_rows, record_rows, strict=True):
        own: list[dict[str, Any]] = []
        clinics: dict[str, dict[str, Any]] = {}
        for _ in group:
            rrow = r_all[position]
            position += 1
            rec = _record_dict(rrow)
            if rrow["clinic_id"] is None:
                own.append(rec)
            else:
                clinic = clinics.setdefault(rrow["clinic_id"], {"id": rrow["clinic_id"], "records": []})
                if rrow["clinic_name"] is not None:
                    clinic["name"] = rrow["clinic_name"]
                clinic["records"].append(rec)
        data: dict[str, Any] = {k: v for k, v in srow.items() if v is not None and not k.startswith("agreement_end")}
        if srow["agreement_end_date"] is not None:
            data["agreement_end"] = {"date": srow["agreement_end_date"], "reason": srow["agreement_end_reason"]}
        data["records"] = own
        if clinics:
            data["managed_clinics"] = list(clinics.values())
        out.append(Subject.model_validate(data))
    return out
