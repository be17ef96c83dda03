"""Spreadsheet histories (.csv, .xlsx): one row per record, located problems, same results as JSON (history)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from medcredit.authoring.templates import records_table, reference_tables, write_xlsx
from medcredit.cli.main import main
from medcredit.engine.evaluation import evaluate
from medcredit.history.catalogue import catalogue
from medcredit.history.reader import Loaded, Rejected, iter_subjects
from medcredit.history.spreadsheet_layout import COLUMNS
from medcredit.pack.loader import load_pack
from medcredit.render.output import result_to_dict

HEADER_ZH = "主体编号,主体名称,主体类别,协议起始日期,记录类型,记录日期,违规代码,金额（元）,检查方式,记录编号"

# A bureau export: Chinese headers, GBK, several rows per subject.  Row 5 (the fund recovery of
# S3) carries 62000.505 yuan: amounts are in yuan with at most two decimals (fen), so that row is
# the one bad row.
BUREAU_ROWS = [
    "S1,清溪药店,retail_pharmacy,2019-05-01,inspection,2023-06-12,,,on_site,",
    "S2,福康门诊部,outpatient_clinic,2018-03-01,inspection,2023-04-10,,,on_site,",
    "S2,福康门诊部,outpatient_clinic,2018-03-01,fund_recovery,2023-04-10,inst_overcharging,8600.00,,",
    "S3,仁和大药房,retail_pharmacy,2020-01-15,fund_recovery,2023-03-02,inst_non_covered_billing,62000.505,,",
    "S4,永安诊所,outpatient_clinic,2016-07-01,,,,,,",
    "S5,康宁药店,retail_pharmacy,2021-02-01,fund_recovery,2023-05-02,inst_overcharging,1200.50,,",
    "S5,康宁药店,retail_pharmacy,2021-02-01,interview,2023-05-20,,,,",
]


def _as_json(rows: list[str]) -> list[dict[str, Any]]:
    """The same subjects written by hand in the JSON history format."""
    header = HEADER_ZH.split(",")
    subjects: dict[str, dict[str, Any]] = {}
    keys = {"主体编号": "id", "主体名称": "name", "主体类别": "category", "协议起始日期": "opened"}
    record_keys = {
        "记录类型": "kind",
        "记录日期": "date",
        "违规代码": "code",
        "金额（元）": "amount",
        "检查方式": "method",
        "记录编号": "id",
    }
    for line in rows:
        cells = dict(zip(header, line.split(","), strict=True))
        subject = subjects.setdefault(cells["主体编号"], {keys[k]: cells[k] for k in keys})
        record = {record_keys[k]: cells[k] for k in record_keys if cells[k]}
        if record:
            subject.setdefault("records", []).append(record)
    return list(subjects.values())


def _graded(path: Path) -> dict[str, dict[str, Any]]:
    pack = load_pack("wushan")
    out = {}
    for item in iter_subjects(path, on_warning=lambda _p: None):
        if isinstance(item, Loaded):
            out[item.subject.id] = result_to_dict(evaluate(pack, item.subject, 2023), pack)
    return out


def test_gbk_bureau_csv_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bad row is reported by row and column; every other subject is graded."""
    path = tmp_path / "bureau.csv"
    path.write_bytes(("\n".join([HEADER_ZH, *BUREAU_ROWS]) + "\n").encode("gbk"))
    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "summary", str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    graded = [line.split("\t")[0] for line in out.splitlines()[1:] if "\t" in line]
    assert graded == ["S1", "S2", "S4", "S5"]
    assert f"{path}:5: rejected" in out
    # row 5 (header is row 1), column 8 = 金额（元）
    assert f"{path}:5:8: [error]" in err and "decimal" in err
    assert "read as gb18030" in err


def test_csv_grades_exactly_as_json(tmp_path: Path) -> None:
    good = [row for row in BUREAU_ROWS if "62000.505" not in row]
    csv_path = tmp_path / "bureau.csv"
    csv_path.write_text("\n".join([HEADER_ZH, *good]) + "\n", encoding="utf-8")
    json_path = tmp_path / "bureau.json"
    json_path.write_text(json.dumps(_as_json(good), ensure_ascii=False), encoding="utf-8")
    from_csv, from_json = _graded(csv_path), _graded(json_path)
    assert list(from_csv) == ["S1", "S2", "S4", "S5"]
    assert from_csv == from_json


def _xlsx_with_typed_cells(path: Path) -> None:
    """An .xlsx as Excel users make it: real dates and numbers in cells, reference sheets around."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("说明").write_string(0, 0, "见 records 表")
    sheet = book.add_worksheet("records")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    header = ["subject_id", "subject_name", "category", "opened", "record_kind", "record_date", "code", "amount"]
    d = dt.datetime
    rows: list[list[Any]] = [
        ["S1", "清溪药店", "retail_pharmacy", d(2019, 5, 1), "inspection", d(2023, 6, 12), "", ""],
        [
            "S2",
            "福康门诊部",
            "outpatient_clinic",
            d(2018, 3, 1),
            "fund_recovery",
            d(2023, 4, 10),
            "inst_overcharging",
            8600.5,
        ],
        # the bad row: a violation code that does not exist
        [
            "S3",
            "仁和大药房",
            "retail_pharmacy",
            d(2020, 1, 15),
            "fund_recovery",
            d(2023, 3, 2),
            "inst_overcharge",
            62000,
        ],
        ["S4", "永安诊所", "outpatient_clinic", d(2016, 7, 1), "", "", "", ""],
    ]
    for c, name in enumerate(header):
        sheet.write_string(0, c, name)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, date)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value:
                sheet.write_string(r, c, value)
    book.close()


def test_xlsx_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bureau.xlsx"
    _xlsx_with_typed_cells(path)
    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "json", str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    results = json.loads(out)
    assert [r.get("subject", {}).get("id") for r in results if r["status"] != "rejected"] == ["S1", "S2", "S4"]
    (rejected,) = [r for r in results if r["status"] == "rejected"]
    assert rejected["where"] == f"{path}:records!4"
    (problem,) = rejected["problems"]
    assert (problem["sheet"], problem["line"], problem["column"]) == ("records", 4, 7)
    assert problem["suggestion"] == "inst_overcharging"
    assert f"{path}:records!4:7: [error] unknown violation code 'inst_overcharge'" in err
    # numbers and dates typed in Excel cells mean what they say: 8600.5 yuan, 2023-04-10
    (s2,) = [r for r in results if r.get("subject", {}).get("id") == "S2"]
    assert json.dumps(s2, ensure_ascii=False).count("8600.5") >= 1


def test_xlsx_date_cell_equals_json_date(tmp_path: Path) -> None:
    path = tmp_path / "typed.xlsx"
    _xlsx_with_typed_cells(path)
    items = list(iter_subjects(path))
    s2 = next(i.subject for i in items if isinstance(i, Loaded) and i.subject.id == "S2")
    (record,) = s2.records
    assert record.date == dt.date(2023, 4, 10)
    assert str(record.amount) == "8600.5"
    assert s2.opened == dt.date(2018, 3, 1)


def test_template_round_trips_in_both_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("t.csv", "t.xlsx"):
        path = tmp_path / name
        assert main(["template", str(path)]) == 0
        items = list(iter_subjects(path))
        assert all(isinstance(i, Loaded) for i in items), [i for i in items if isinstance(i, Rejected)]
        assert len(items) == 2
    capsys.readouterr()


def test_template_lists_the_catalogue() -> None:
    sheets = reference_tables()
    cat = catalogue()
    assert [row[0] for row in sheets["record_kinds"][1:]] == list(cat.record_kinds)
    assert [row[0] for row in sheets["violations"][1:]] == list(cat.violations)
    assert records_table()[0] == [c.id for c in COLUMNS]


@pytest.mark.parametrize(
    ("csv_text", "where", "code", "needle"),
    [
        ("subject_id,catgory\nS1,retail_pharmacy\n", (1, 2), "history-column", "did you mean 'category'"),
        ("subject_id,category,subject_id\n", (1, 3), "history-column", "appears twice"),
        ("category\nretail_pharmacy\n", (1, 1), "history-column", "subject_id"),
        # the same subject with two categories: the second row's cell is the problem
        (
            "subject_id,category\nS1,retail_pharmacy\nS1,outpatient_clinic\n",
            (3, 2),
            "history-conflict",
            "differs from row 2",
        ),
        ("subject_id,category\n,retail_pharmacy\n", (2, 1), "history-missing", "subject_id"),
        ("subject_id,category\nS1,retail_pharmacy,extra\n", (2, 3), "history-column", "without a header"),
        ("subject_id,category,fulfilled\nS1,retail_pharmacy,maybe\n", (2, 1), "history-", "fulfilled"),
    ],
)
def test_layout_problems_are_located(
    tmp_path: Path, csv_text: str, where: tuple[int, int], code: str, needle: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(csv_text, encoding="utf-8")
    problems = [p for i in iter_subjects(path) if isinstance(i, Rejected) for p in i.problems]
    assert problems, "expected a problem"
    text = " ".join(p.render() for p in problems)
    assert needle in text
    assert any(p.code.startswith(code) for p in problems)
    if code != "history-":
        assert (problems[0].line, problems[0].column) == where


def test_undecodable_csv_line_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    good = "\n".join([HEADER_ZH, BUREAU_ROWS[0]]).encode("utf-8")
    path.write_bytes(good + b"\n" + BUREAU_ROWS[1].encode("gbk") + b"\n" + BUREAU_ROWS[4].encode("utf-8") + b"\n")
    items = list(iter_subjects(path, encoding="utf-8"))
    assert [i.subject.id for i in items if isinstance(i, Loaded)] == ["S1", "S4"]
    (bad,) = [i for i in items if isinstance(i, Rejected)]
    assert (bad.problems[0].line, bad.problems[0].code) == (3, "history-encoding")


def test_write_xlsx_writes_text_cells(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_xlsx(path, {"records": [["subject_id", "category"], ["007", "retail_pharmacy"]]})
    (item,) = list(iter_subjects(path))
    assert isinstance(item, Loaded) and item.subject.id == "007"


def test_guide_lists_every_column() -> None:
    """docs/guide/spreadsheets.md documents each column of the layout, with its Chinese header."""
    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide" / "spreadsheets.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"| `{column.id}` | {column.zh} |" in guide


def test_an_unreadable_workbook_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip file")
    assert main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a readable .xlsx workbook" in err and "(history-format)" in err and "Traceback" not in err


def test_a_csv_field_over_the_limit_loses_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(
        f'subject_id,category,subject_name\nS1,retail_pharmacy,"{"x" * 200_000}"\nS2,retail_pharmacy,ok\n',
        encoding="utf-8",
    )
    items = list(iter_subjects(path))
    assert [i.subject.id for i in items if isinstance(i, Loaded)] == ["S2"]
    (bad,) = [i for i in items if isinstance(i, Rejected)]
    assert (bad.problems[0].line, bad.problems[0].code) == (2, "history-csv")


def test_designation_term_end_heavier_and_institution_have_columns(tmp_path: Path) -> None:
    """Fields a pack can read (tenure, 辽宁 第十六条 term end, 第三十二条（四）较重, a person's institution) are
    columns too: a CSV history carries them as its JSON twin does."""
    header = "subject_id,category,designated,record_kind,record_date,record_id,code,term_end,heavier,institution"
    rows = [
        "H1,hospital_inpatient,2019-04-01,serious_list_entry,2023-05-10,S1,,2024-05-09,,",
        "H1,hospital_inpatient,2019-04-01,administrative_penalty,2023-08-01,P1,,,是,",
        "D1,physician,,violation,2023-06-01,V1,ind_lending_credentials,,,H1",
    ]
    path = tmp_path / "h.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    items = list(iter_subjects(str(path)))
    assert all(isinstance(i, Loaded) for i in items), [i for i in items if isinstance(i, Rejected)]
    hospital, doctor = (i.subject for i in items if isinstance(i, Loaded))
    assert hospital.designated == dt.date(2019, 4, 1)
    assert hospital.records[0].term_end == dt.date(2024, 5, 9) and hospital.records[1].heavier is True
    assert doctor.records[0].institution == "H1"


def test_a_quote_left_open_loses_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text(
        "subject_id,subject_name,category,record_kind,record_date\n"
        "S1,ok,retail_pharmacy,inspection,2023-04-01\n"
        'S2,"bad name,retail_pharmacy,inspection,2023-04-01\n'
        "S3,ok,retail_pharmacy,inspection,2023-04-01\n"
        'S4,"a name\non two lines",retail_pharmacy,inspection,2023-04-01\n',
        encoding="utf-8",
    )
    items = list(iter_subjects(path))
    loaded = {i.subject.id: i.subject for i in items if isinstance(i, Loaded)}
    assert sorted(loaded) == ["S1", "S3", "S4"]
    assert loaded["S4"].name == "a name\non two lines"  # a quoted field may span lines
    (bad,) = [i for i in items if isinstance(i, Rejected)]
    assert [(p.line, p.code) for p in bad.problems] == [(3, "history-csv")]


def test_an_id_in_a_number_cell_is_refused_not_altered(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "ids.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("records")
    for c, name in enumerate(["subject_id", "category", "record_kind", "record_date"]):
        sheet.write_string(0, c, name)
    sheet.write_number(1, 0, 500237198001010015)  # a resident id typed into a number cell
    sheet.write_number(2, 0, 12345)  # a short id in a number cell reads back exactly
    for r in (1, 2):
        sheet.write_string(r, 1, "insured_person" if r == 1 else "retail_pharmacy")
        sheet.write_string(r, 2, "inspection")
        sheet.write_string(r, 3, "2023-04-01")
    book.close()
    items = list(iter_subjects(path))
    assert [i.subject.id for i in items if isinstance(i, Loaded)] == ["12345"]
    (bad,) = [i for i in items if isinstance(i, Rejected)]
    assert [(p.line, p.path[-1]) for p in bad.problems] == [(2, "id")]


def test_blank_rows_are_counted_not_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "blank.csv"
    path.write_text(
        "subject_id,category,record_kind,record_date\nS1,retail_pharmacy,inspection,2023-04-01\n,,,\n\n"
        "S2,retail_pharmacy,inspection,2023-04-01\n",
        encoding="utf-8",
    )
    summary = tmp_path / "summary.json"
    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(path), "--summary-json", str(summary)])
    assert code == 0
    counts = json.loads(summary.read_text("utf-8"))
    assert (counts["inputs"], counts["results"], counts["skipped_blank"], counts["balanced"]) == (4, 2, 2, True)
