"""Downloadable spreadsheet templates for histories, generated from the catalogue.

The template holds the header row of the layout in
:mod:`medcredit.history.spreadsheet_layout` and two example subjects.  The
``.xlsx`` template adds reference sheets listing, from the bundled catalogue,
every column, subject category, record kind, violation code and agreement end
reason, so a clerk can fill it without the documentation at hand.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from medcredit.diagnostics.errors import MedcreditError
from medcredit.history.catalogue import catalogue
from medcredit.history.model import SubjectCategory
from medcredit.history.spreadsheet_layout import COLUMNS, RECORDS_SHEET

Table = list[list[str]]


def _example_rows() -> Table:
    """Two subjects: one without findings, one with an inspection and a fund recovery."""
    cat = catalogue()
    code = next(c.id for c in cat.violations.values() if c.subject == "institution" and not c.fraud)
    rows = [
        {
            "subject_id": "92500237MA5U00001T",
            "subject_name": "清溪药店",
            "category": "retail_pharmacy",
            "opened": "2019-05-01",
            "record_kind": "inspection",
            "record_date": "2023-06-12",
            "method": "on_site",
        },
        {
            "subject_id": "92500237MA5U00002X",
            "subject_name": "福康门诊部",
            "category": "outpatient_clinic",
            "opened": "2018-03-01",
            "record_kind": "inspection",
            "record_date": "2023-04-10",
            "method": "on_site",
        },
        {
            "subject_id": "92500237MA5U00002X",
            "subject_name": "福康门诊部",
            "category": "outpatient_clinic",
            "opened": "2018-03-01",
            "record_kind": "fund_recovery",
            "record_date": "2023-04-10",
            "code": code,
            "amount": "8600.00",
        },
    ]
    return [[row.get(c.id, "") for c in COLUMNS] for row in rows]


def records_table() -> Table:
    """The header row and the example rows of the records sheet."""
    return [[c.id for c in COLUMNS], *_example_rows()]


def reference_tables() -> dict[str, Table]:
    """The reference sheets of the ``.xlsx`` template, from the catalogue."""
    cat = catalogue()
    return {
        "columns": [["column", "中文表头", "type", "meaning"]] + [[c.id, c.zh, c.type, c.help] for c in COLUMNS],
        "categories": [["category"]] + [[c.value] for c in SubjectCategory],
        "record_kinds": [["record_kind", "中文", "meaning", "columns"]]
        + [[k.id, k.zh, k.en, ", ".join(k.fields)] for k in cat.record_kinds.values()],
        "violations": [["code", "article", "subject", "中文", "fraud"]]
        + [[v.id, v.article, v.subject, v.zh, "true" if v.fraud else "false"] for v in cat.violations.values()],
        "agreement_end_reasons": [["reason", "中文", "meaning"]]
        + [[k, zh, en] for k, (zh, en) in cat.agreement_end_reasons.items()],
    }


def csv_text(table: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue()


def write_xlsx(path: Path, sheets: dict[str, Table]) -> None:
    """Write text-only sheets to an ``.xlsx`` workbook (needs the ``excel`` extra)."""
    try:
        import xlsxwriter
    except ImportError:
        raise MedcreditError("writing .xlsx needs the excel extra: pip install 'medcredit[excel]'") from None
    book = xlsxwriter.Workbook(str(path))
    text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True})
    for name, table in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                # written as text so that ids and amounts are not turned into floats
                sheet.write_string(r, c, value, bold if r == 0 else text)
        sheet.set_column(0, max((len(row) for row in table), default=1) - 1, 16, text)
        sheet.freeze_panes(1, 0)
    try:
        book.close()
    except OSError as exc:
        raise MedcreditError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_template(path: Path, fmt: str) -> None:
    """Write the history template as ``csv`` (UTF-8 with BOM, which Excel opens) or ``xlsx``."""
    if fmt == "xlsx":
        write_xlsx(path, {RECORDS_SHEET: records_table(), **reference_tables()})
        return
    try:
        path.write_text(csv_text(records_table()), encoding="utf-8-sig")
    except OSError as exc:
        raise MedcreditError(f"cannot write {path}: {exc.strerror or exc}") from None
