"""The SQLite query log: hash chain, append-only, many writer processes, JSONL export (procedures).

中牟 三（二）3: 查询信用信息应记录查询人员姓名、查询时间、查询内容及用途，并长期保存.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from medcredit.cli.main import main
from medcredit.procedures.querystore import SqliteQueryLog, open_query_log
from medcredit.procedures.reports import QueryLog, QueryLogError

CST = dt.timezone(dt.timedelta(hours=8))
WRITERS = 4
PER_WRITER = 25


def _write(path: str, writer: int) -> None:
    log = SqliteQueryLog(path)
    for i in range(PER_WRITER):
        log.record(
            at=dt.datetime(2024, 3, 1, 9, 0, i % 60, tzinfo=CST),
            officer=f"officer-{writer}",
            subject_id=f"S{i}",
            content="公共信用报告",
            purpose="协议续签审查",
        )


def test_concurrent_writer_processes_keep_one_chain(tmp_path: Path) -> None:
    """Several processes append at once; every entry is kept and the chain verifies."""
    path = tmp_path / "q.sqlite"
    SqliteQueryLog(path)  # create the schema once, before the race
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write, args=(str(path), w)) for w in range(WRITERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    log = SqliteQueryLog(path)
    assert log.verify() == WRITERS * PER_WRITER
    entries = log.entries()
    assert sorted({e.officer for e in entries}) == [f"officer-{w}" for w in range(WRITERS)]
    assert len({e.previous for e in entries}) == WRITERS * PER_WRITER  # no two entries share a predecessor


def _three(path: Path) -> SqliteQueryLog:
    log = SqliteQueryLog(path)
    for officer in ("王某", "李某", "赵某"):
        log.record(
            at=dt.datetime(2023, 5, 6, 9, 30, tzinfo=CST),
            officer=officer,
            subject_id="s",
            content="报告",
            purpose="审查",
        )
    return log


def test_entries_cannot_be_updated_or_deleted(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    _three(path)
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE query_log SET line = 'x' WHERE seq = 1")
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM query_log WHERE seq = 1")


def test_an_edit_around_the_triggers_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    log = _three(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER query_log_no_update")
        db.execute("UPDATE query_log SET line = replace(line, '王某', '张某') WHERE seq = 1")
    with pytest.raises(QueryLogError, match="#1: this entry was altered"):
        log.verify()
    with sqlite3.connect(path) as db:
        # rewriting the stored hash too moves the break to the next entry
        line = db.execute("SELECT line FROM query_log WHERE seq = 1").fetchone()[0]
        db.execute("UPDATE query_log SET hash = ? WHERE seq = 1", (hashlib.sha256(line.encode()).hexdigest(),))
    with pytest.raises(QueryLogError, match="#2: the log was altered before"):
        log.verify()


def test_export_is_the_jsonl_log_with_the_same_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.sqlite"
    _three(path)
    assert main(["querylog", "verify", str(path)]) == 0
    assert "3 entries, hash chain intact" in capsys.readouterr().out
    assert main(["querylog", "export", str(path)]) == 0
    exported = tmp_path / "q.jsonl"
    exported.write_text(capsys.readouterr().out, encoding="utf-8")
    jsonl = QueryLog(exported)
    jsonl.verify()
    assert [e.officer for e in jsonl.entries()] == ["王某", "李某", "赵某"]
    assert isinstance(open_query_log(exported), QueryLog)


def test_missing_purpose_is_refused(tmp_path: Path) -> None:
    log = SqliteQueryLog(tmp_path / "q.sqlite")
    with pytest.raises(QueryLogError, match="purpose"):
        log.record(at=dt.datetime(2023, 5, 6, tzinfo=CST), officer="王某", subject_id="s", content="x", purpose="")
    assert log.verify() == 0


def test_verify_reports_a_broken_chain_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.sqlite"
    _three(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER query_log_no_delete")
        db.execute("DELETE FROM query_log WHERE seq = 2")
    assert main(["querylog", "verify", str(path)]) == 1
    assert "#3: the log was altered before this entry" in capsys.readouterr().err


def test_a_noted_head_shows_lines_cut_from_the_end_or_a_changed_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The chain shows an edit at the entry after it; the last entry, and entries cut from the end, only
    against a head noted earlier ("长期保存": the log must still hold what was logged)."""
    sqlite_path = tmp_path / "q.sqlite"
    _three(sqlite_path)
    assert main(["querylog", "export", str(sqlite_path)]) == 0
    jsonl_path = tmp_path / "q.jsonl"
    jsonl_path.write_text(capsys.readouterr().out, encoding="utf-8")
    head = QueryLog(jsonl_path).verify()
    assert head == SqliteQueryLog(sqlite_path).head() and len(head) == 64
    assert main(["querylog", "verify", str(jsonl_path), "--head", head]) == 0
    assert f"head {head}" in capsys.readouterr().out
    lines = jsonl_path.read_text(encoding="utf-8").splitlines(keepends=True)
    cases = {
        "cut": lines[:-1],
        "edited": [*lines[:-1], lines[-1].replace("赵某", "钱某")],
    }
    for name, kept in cases.items():
        jsonl_path.write_text("".join(kept), encoding="utf-8")
        QueryLog(jsonl_path).verify()  # the chain alone cannot tell
        with pytest.raises(QueryLogError, match="no longer in the log"):
            QueryLog(jsonl_path).verify(head)
        assert main(["querylog", "verify", str(jsonl_path), "--head", head]) == 1, name
        assert "no longer in the log" in capsys.readouterr().err
    with sqlite3.connect(sqlite_path) as db:
        db.execute("DROP TRIGGER query_log_no_delete")
        db.execute("DELETE FROM query_log WHERE seq = 3")
    assert SqliteQueryLog(sqlite_path).verify() == 2
    with pytest.raises(QueryLogError, match="no longer in the log"):
        SqliteQueryLog(sqlite_path).verify(head)


def test_a_query_with_fields_of_the_wrong_type_is_an_argument_error(tmp_path: Path) -> None:
    from medcredit.diagnostics.errors import ArgumentError

    log = QueryLog(tmp_path / "q.jsonl")
    with pytest.raises(ArgumentError, match="at must be a datetime"):
        log.record(at="2024-01-02", officer="王某", subject_id="s", content="x", purpose="p")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="officer must be text"):
        log.record(at=dt.datetime(2024, 1, 2, tzinfo=CST), officer=5, subject_id="s", content="x", purpose="p")  # type: ignore[arg-type]
    assert log.entries() == []


@pytest.mark.parametrize("name", ["nope.sqlite", "nope.jsonl"])
def test_verifying_a_log_that_is_not_there_is_an_error_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A mistyped path must not pass as an intact empty log (nor leave an empty SQLite file behind)."""
    path = tmp_path / name
    for action in ("verify", "export"):
        assert main(["querylog", action, str(path)]) == 2
        assert f"no query log at {path}" in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.parametrize("action", ["verify", "export"])
def test_a_line_that_is_not_utf8_is_a_located_corruption_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    """A JSONL log with bytes that are not UTF-8 used to end in a UnicodeDecodeError traceback."""
    path = tmp_path / "q.jsonl"
    log = QueryLog(path)
    log.record(
        at=dt.datetime(2023, 5, 6, 9, 30, tzinfo=CST), officer="王某", subject_id="s", content="报告", purpose="审查"
    )
    with path.open("ab") as handle:
        handle.write(b"\n" + '{"officer": "李'.encode() + b"\xff\xfe\x00\x01}\n")
    assert main(["querylog", action, str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # export writes nothing of a corrupt log
    assert f"{path}:3:15: bytes ff fe are not UTF-8" in captured.err  # line 3: the blank line 2 counts
    assert "Traceback" not in captured.err
    with pytest.raises(QueryLogError, match=":3:15:"):
        log.record(at=dt.datetime(2023, 5, 7, tzinfo=CST), officer="王某", subject_id="s", content="x", purpose="y")


@pytest.mark.parametrize(
    "line",
    ['{"a":' * 100_000 + "1" + "}" * 100_000, "1", "[]", '"previous"'],
    ids=["nested", "number", "list", "string"],
)
@pytest.mark.parametrize("action", ["verify", "export"])
def test_a_line_too_deeply_nested_or_not_an_object_is_a_malformed_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], action: str, line: str
) -> None:
    """A line nested beyond Python's recursion limit used to raise RecursionError; one that is JSON but
    not an object, AttributeError."""
    path = tmp_path / "q.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    assert main(["querylog", action, str(path)]) == 1
    err = capsys.readouterr().err
    assert err == f"medcredit: {path}:1: malformed query log entry\n"


def test_the_service_refuses_to_start_on_a_corrupt_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve --query-log` on a log that fails verification used to start and answer every logged query
    with a 500; it now refuses before listening (exit 2), and says which line."""
    import uvicorn

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the service started on a corrupt query log")

    monkeypatch.setattr(uvicorn, "run", never)  # a regression fails here instead of serving for ever
    path = tmp_path / "q.jsonl"
    path.write_bytes(b"\xff\xfe\x00\x01")
    assert main(["serve", "--pack", "wushan", "--port", "0", "--query-log", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1:1: bytes ff fe are not UTF-8" in err and "querylog verify" in err
    assert "serving" not in err and "Traceback" not in err
