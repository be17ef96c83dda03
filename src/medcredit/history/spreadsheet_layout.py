"""The one spreadsheet layout for histories: one row per record, subject columns repeated.

A county's export is a flat table: every row is one dated record of one
subject, and the subject's own columns (id, name, category, ...) are repeated
on each of its rows.  A subject without records is one row with the record
columns empty.  Each column maps to one path in the JSON history format
(:class:`~medcredit.history.model.Subject`), so the same data validates the
same way whichever format it came in.  Headers may be the column id or its
Chinese label.  Linked persons, managed clinics and linked institutions have
no columns: histories that need them use JSON or YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CellType = Literal["str", "date", "decimal", "int", "bool"]


@dataclass(frozen=True, slots=True)
class Column:
    """One spreadsheet column: its id, Chinese label, JSON path and cell type."""

    id: str
    zh: str
    path: tuple[str, ...]
    type: CellType
    help: str
    #: a subject column (repeated on each row of the subject) or a record column
    subject: bool


def _s(id: str, zh: str, path: tuple[str, ...], type: CellType, help: str) -> Column:
    return Column(id, zh, path, type, help, subject=True)


def _r(id: str, zh: str, path: tuple[str, ...], type: CellType, help: str) -> Column:
    return Column(id, zh, path, type, help, subject=False)


COLUMNS: tuple[Column, ...] = (
    _s("subject_id", "主体编号", ("id",), "str", "identifier of the subject (rows with the same id are one subject)"),
    _s("subject_name", "主体名称", ("name",), "str", "name of the institution or person"),
    _s("category", "主体类别", ("category",), "str", "subject category (see the categories sheet)"),
    _s("parent_id", "上级机构编号", ("parent_id",), "str", "for a village clinic: the managing township hospital"),
    _s("opened", "协议起始日期", ("opened",), "date", "date the service agreement started"),
    _s("agreement_end_date", "协议解除日期", ("agreement_end", "date"), "date", "date the agreement ended"),
    _s("agreement_end_reason", "协议解除原因", ("agreement_end", "reason"), "str", "why the agreement ended"),
    _s("designated", "定点日期", ("designated",), "date", "date the subject became designated (定点)"),
    _r(
        "record_kind",
        "记录类型",
        ("kind",),
        "str",
        "record kind (see the record_kinds sheet); a row with every record column empty has no record",
    ),
    _r("record_date", "记录日期", ("date",), "date", "date of the record (YYYY-MM-DD)"),
    _r("record_id", "记录编号", ("id",), "str", "identifier of the record (needed when another record refers to it)"),
    _r("code", "违规代码", ("code",), "str", "violation code (see the violations sheet)"),
    _r("amount", "金额（元）", ("amount",), "decimal", "amount in yuan, at most two decimals"),
    _r("reason", "原因", ("reason",), "str", "agreement end reason"),
    _r("year", "年度", ("year",), "int", "year of an annual or risk assessment"),
    _r("score", "分数", ("score",), "decimal", "assessment score"),
    _r("months", "月数", ("months",), "int", "months of an agreement suspension"),
    _r("method", "检查方式", ("method",), "str", "on_site, online, special or other"),
    _r("publicity_start", "公示起始日期", ("publicity_start",), "date", "start of the penalty's publicity"),
    _r("publicity_end", "公示截止日期", ("publicity_end",), "date", "last day the record is published (in force)"),
    _r("severity", "严重程度", ("severity",), "str", "minor, general or serious (轻微、一般、严重)"),
    _r("points", "记分", ("points",), "decimal", "points the decision assigns (at most two decimals)"),
    _r("level", "等次或级别", ("level",), "str", "an assessment's 考核等次 or an honour's level (county … national)"),
    _r("fulfilled", "已履行", ("fulfilled",), "bool", "penalty fulfilled (是/否, true/false)"),
    _r("term_months", "期限（月）", ("term_months",), "int", "term of a serious-list entry in months"),
    _r("term_end", "期限截止日期", ("term_end",), "date", "last day of the measures' term when the decision names it"),
    _r("heavier", "较重处罚", ("heavier",), "bool", "the department judged this penalty 较重 (辽宁 第三十二条（四）)"),
    _r("institution", "所在机构编号", ("institution",), "str", "for a person's record: the institution it concerns"),
    _r("referred_to_judiciary", "已移送司法", ("referred_to_judiciary",), "bool", "fraud referred to the judiciary"),
    _r("ref", "关联记录编号", ("ref",), "str", "id of the record this one concerns (repair)"),
    _r("unrepairable", "不可修复", ("unrepairable",), "bool", "a law makes this information never repairable"),
    _r("serious_impact", "严重影响", ("serious_impact",), "bool", "major fund loss or serious social impact"),
    _r("document_kind", "文书类型", ("document", "kind"), "str", "judgment, arbitration, administrative_decision…"),
    _r("document_number", "文书编号", ("document", "number"), "str", "number of the legal document"),
    _r("document_date", "文书日期", ("document", "date"), "date", "date of the legal document"),
    _r("objection_filed", "异议提出日期", ("objection", "filed"), "date", "date an objection was filed"),
    _r("objection_status", "异议状态", ("objection", "status"), "str", "pending, upheld, corrected, rejected…"),
    _r("objection_resolved", "异议办结日期", ("objection", "resolved"), "date", "date the objection was resolved"),
    _r("objection_reason", "异议理由", ("objection", "reason"), "str", "reason given for the objection"),
    _r("note", "备注", ("note",), "str", "free text"),
)

BY_HEADER: dict[str, Column] = {c.id: c for c in COLUMNS} | {c.zh: c for c in COLUMNS}

#: the sheet of an .xlsx workbook that holds the rows (else the first sheet)
RECORDS_SHEET = "records"

#: cell texts read as booleans in ``bool`` columns (others are left for validation to reject)
BOOLEANS: dict[str, bool] = {
    "true": True,
    "false": False,
    "是": True,
    "否": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
}


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 1-based column index (1 → A, 27 → AA)."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
