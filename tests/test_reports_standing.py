"""Zhongmou's credit-report validity and query log; standing on a date; the deadline and repair commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.main import main
from medcredit.procedures.reports import QueryLog, QueryLogError, ReportRulesMissingError, report_validity
from medcredit.procedures.standing import standing

CST = dt.timezone(dt.timedelta(hours=8))


def _pharmacy(records: list[dict[str, object]]) -> medcredit.Subject:
    return medcredit.Subject.model_validate(
        {"id": "91410122MA3X000017", "category": "retail_pharmacy", "records": records}
    )


def test_report_valid_for_one_year_by_corresponding_day() -> None:
    """牟医保 二（四）: at most one year — issued 2023-03-15, usable through 2024-03-15, not on 2024-03-16."""
    pack = medcredit.load_pack("zhongmou")
    clean = _pharmacy([])
    assert report_validity(pack, clean, dt.date(2023, 3, 15), dt.date(2024, 3, 15)).valid
    late = report_validity(pack, clean, dt.date(2023, 3, 15), dt.date(2024, 3, 16))
    assert not late.valid
    assert late.last_valid_day == dt.date(2024, 3, 15)
    assert late.article == "二（四）"


def test_report_stated_shorter_validity_wins() -> None:
    """A report may state a shorter validity than the one-year maximum."""
    pack = medcredit.load_pack("zhongmou")
    answer = report_validity(
        pack, _pharmacy([]), dt.date(2023, 3, 15), dt.date(2023, 10, 1), stated_until=dt.date(2023, 9, 30)
    )
    assert not answer.valid
    assert answer.last_valid_day == dt.date(2023, 9, 30)


def test_report_invalid_after_a_serious_listing() -> None:
    """二（四）: a major credit crisis after issue (serious untrustworthy listing) requires re-rating."""
    pack = medcredit.load_pack("zhongmou")
    subject = _pharmacy(
        [{"kind": "violation", "date": "2023-06-01", "code": "inst_overcharging", "serious_impact": True}]
    )
    before = report_validity(pack, subject, dt.date(2023, 3, 15), dt.date(2023, 5, 31))
    after = report_validity(pack, subject, dt.date(2023, 3, 15), dt.date(2023, 6, 1))
    assert before.valid
    assert not after.valid
    assert after.last_valid_day == dt.date(2023, 5, 31)
    assert "重新信用评级" in after.reason_zh


def test_a_listing_on_the_day_of_issue_is_not_after_the_report() -> None:
    """二（四） "在信用报告有效期内…出现重大信用危机": a listing dated the day the report was issued may be what
    the report already reflects; only a later day is a crisis after issue (the report is never valid
    only until the day before it was issued)."""
    pack = medcredit.load_pack("zhongmou")
    same_day = _pharmacy([{"kind": "serious_list_entry", "date": "2023-03-15"}])
    answer = report_validity(pack, same_day, dt.date(2023, 3, 15), dt.date(2023, 4, 1))
    assert answer.valid and answer.last_valid_day == dt.date(2024, 3, 15)
    next_day = _pharmacy([{"kind": "serious_list_entry", "date": "2023-03-16"}])
    answer = report_validity(pack, next_day, dt.date(2023, 3, 15), dt.date(2023, 4, 1))
    assert not answer.valid and answer.last_valid_day == dt.date(2023, 3, 15)


def test_a_stated_end_before_issue_is_refused() -> None:
    pack = medcredit.load_pack("zhongmou")
    with pytest.raises(medcredit.ArgumentError, match="before the report was issued"):
        report_validity(
            pack, _pharmacy([]), dt.date(2023, 3, 15), dt.date(2023, 4, 1), stated_until=dt.date(2023, 3, 1)
        )


def test_packs_without_report_rules_refuse() -> None:
    """Only packs that state report rules answer report questions."""
    with pytest.raises(ReportRulesMissingError):
        report_validity(medcredit.load_pack("wushan"), _pharmacy([]), dt.date(2023, 1, 1), dt.date(2023, 2, 1))


def test_query_log_records_who_when_what_why(tmp_path: Path) -> None:
    """三（二）3: 查询人员姓名、查询时间、内容及用途, kept append-only."""
    log = QueryLog(tmp_path / "queries.jsonl")
    log.record(
        at=dt.datetime(2023, 5, 6, 9, 30, tzinfo=CST),
        officer="王某",
        subject_id="91410122MA3X000017",
        content="公共信用报告",
        purpose="定点医药机构协议续签审查",
    )
    log.record(
        at=dt.datetime(2023, 5, 7, 10, 0, tzinfo=CST),
        officer="李某",
        subject_id="other",
        content="失信名单",
        purpose="行政检查",
    )
    entries = log.for_subject("91410122MA3X000017")
    assert [(e.officer, e.at, e.purpose) for e in entries] == [
        ("王某", "2023-05-06T09:30:00+08:00", "定点医药机构协议续签审查")
    ]
    log.verify()


def test_query_log_detects_tampering(tmp_path: Path) -> None:
    """An edited line breaks the hash chain at the next line."""
    path = tmp_path / "queries.jsonl"
    log = QueryLog(path)
    for officer in ("王某", "李某", "赵某"):
        log.record(
            at=dt.datetime(2023, 5, 6, 9, 30, tzinfo=CST),
            officer=officer,
            subject_id="s",
            content="报告",
            purpose="审查",
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("王某", "张某")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(QueryLogError, match=":2:"):
        log.verify()


def test_query_log_needs_every_field_and_a_time_zone(tmp_path: Path) -> None:
    """A query without a purpose, or with a naive time, is refused."""
    log = QueryLog(tmp_path / "q.jsonl")
    with pytest.raises(QueryLogError, match="purpose"):
        log.record(at=dt.datetime(2023, 5, 6, tzinfo=CST), officer="王某", subject_id="s", content="x", purpose=" ")
    with pytest.raises(QueryLogError, match="time zone"):
        log.record(at=dt.datetime(2023, 5, 6), officer="王某", subject_id="s", content="x", purpose="y")


def test_standing_on_a_date_ignores_later_records_and_repaired_ones() -> None:
    """As-of evaluation: records after the date, deleted by objection, or repaired are not in force."""
    pack = medcredit.load_pack("liaoning")
    subject = _pharmacy(
        [
            {
                "kind": "serious_list_entry",
                "id": "S1",
                "date": "2023-06-01",
                "document": {"kind": "administrative_decision", "number": "辽医保信〔2023〕2号"},
            },
            {
                "kind": "administrative_penalty",
                "id": "P1",
                "date": "2023-07-01",
                "code": "inst_overcharging",
                "objection": {"filed": "2023-07-05", "status": "deleted_unverifiable", "resolved": "2023-07-10"},
            },
            {"kind": "serious_list_removal", "date": "2024-09-01"},
        ]
    )
    mid = standing(pack, subject, dt.date(2024, 1, 1))
    assert mid.on_list("serious_list") is not None
    assert dict(mid.not_in_force) == {1: "objection_deleted_unverifiable", 2: "after_as_of"}
    later = standing(pack, subject, dt.date(2024, 9, 1))
    assert later.on_list("serious_list") is None  # 第十六条: measures end on the removal day


def test_deadline_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit deadline --pack liaoning objection_verification 2023-09-28` → 2023-10-09, with its rule."""
    assert main(["deadline", "--pack", "liaoning", "objection_verification", "2023-09-28", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["due"] == "2023-10-09"
    assert body["rule"] == "working_days"
    assert body["article"] == "第二十七条"


def test_deadline_unknown_id_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt deadline id is a usage error with a suggestion, not a traceback."""
    assert main(["deadline", "--pack", "liaoning", "objection_verificaton", "2023-09-28"]) == 2
    assert "did you mean 'objection_verification'" in capsys.readouterr().err


def test_deadline_needs_a_schedule_for_an_unannounced_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A year without an official schedule is refused by name, then accepted with a supplied one."""
    assert main(["deadline", "--pack", "wushan", "x", "2031-01-05"]) == 2
    capsys.readouterr()
    fixture = Path(__file__).parent / "fixtures" / "schedules" / "cn_2027.yaml"
    pack = tmp_path / "p.yaml"
    base = (Path(__file__).resolve().parents[1] / "policies" / "liaoning.yaml").read_text(encoding="utf-8")
    pack.write_text(base, encoding="utf-8")
    assert main(["deadline", "--pack", str(pack), "objection_verification", "2027-01-04", "--override-validity"]) == 2
    assert "2027" in capsys.readouterr().err
    code = main(
        [
            "deadline",
            "--pack",
            str(pack),
            "objection_verification",
            "2027-01-04",
            "--override-validity",
            "--schedule",
            str(fixture),
            "--format",
            "json",
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["due"].startswith("2027-01-")


def test_repair_and_standing_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit repair` exits 0 when eligible and 1 when not; `standing` prints the listings."""
    history = tmp_path / "h.json"
    history.write_text(
        json.dumps(
            {
                "id": "91210100MA0000000X",
                "category": "retail_pharmacy",
                "records": [
                    {
                        "kind": "administrative_penalty",
                        "id": "P1",
                        "date": "2023-05-10",
                        "code": "inst_overcharging",
                        "document": {"kind": "administrative_decision", "number": "1"},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    args = [
        "repair",
        "--pack",
        "liaoning",
        "--record",
        "P1",
        "--declare",
        "obligations_fulfilled",
        "--declare",
        "harm_eliminated",
        "--format",
        "json",
        str(history),
    ]
    assert main([*args[:5], "--on", "2023-11-10", *args[5:]]) == 1
    assert json.loads(capsys.readouterr().out)["earliest"] == "2023-11-11"
    assert main([*args[:5], "--on", "2023-11-11", *args[5:]]) == 0
    capsys.readouterr()
    assert main(["standing", "--pack", "liaoning", "--as-of", "2023-12-31", str(history)]) == 0
    assert json.loads(capsys.readouterr().out)["records_in_force"] == [0]


def test_report_stays_invalid_after_removal_from_the_list() -> None:
    """二（四）: a crisis after issue requires re-rating; later removal from the list does not revive the report."""
    pack = medcredit.load_pack("zhongmou")
    subject = _pharmacy(
        [
            {"kind": "violation", "date": "2023-05-01", "code": "inst_overcharging", "serious_impact": True},
            {"kind": "serious_list_removal", "date": "2023-08-01"},
        ]
    )
    answer = report_validity(pack, subject, dt.date(2023, 3, 1), dt.date(2023, 9, 1))
    assert not answer.valid
    assert answer.last_valid_day == dt.date(2023, 4, 30)
