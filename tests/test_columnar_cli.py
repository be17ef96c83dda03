"""``medcredit table convert`` / ``table evaluate``: Parquet in, Parquet out, same answers as ``evaluate``."""

from __future__ import annotations

import io
import json
import re
import sys
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path

import pytest

pq = pytest.importorskip("pyarrow.parquet", reason="the columnar path needs the 'columnar' extra (pyarrow, numpy)")

from medcredit.cli.main import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import write  # noqa: E402


def test_parquet_round_trip_matches_jsonl_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "w.jsonl"
    write(300, 3, source)
    s, r, out = tmp_path / "s.parquet", tmp_path / "r.parquet", tmp_path / "out.parquet"
    assert main(["table", "convert", str(source), "--subjects", str(s), "--records", str(r)]) == 0
    first = json.loads(source.read_text("utf-8").splitlines()[0])["id"]
    args = ["--pack", "wushan", "--cycle", "2023", "--subjects", str(s), "--records", str(r)]
    assert main(["table", "evaluate", *args, "--output", str(out), "--trace-ids", first]) == 0
    table = pq.read_table(out)
    # the closing summary counts the outcomes of the table written (grade, else status) and the time taken
    outcomes = Counter(row["grade"] or row["status"] for row in table.to_pylist())
    grades = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    last = capsys.readouterr().err.splitlines()[-1]
    assert re.fullmatch(
        rf"medcredit: 300 subjects → {re.escape(str(out))}; grades: {re.escape(grades)}; [0-9.]+ s", last
    )
    assert table.schema.metadata[b"medcredit.pack_id"] == b"wushan"
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(source), "--format", "jsonl"]) == 0
    expected = [json.loads(line) for line in buffer.getvalue().splitlines()]
    rows = table.to_pylist()
    assert len(rows) == len(expected) == 300
    for row, want in zip(rows, expected, strict=True):
        got = (row["id"], row["status"], row["grade"], row["score"], row["measures"])
        assert got == (
            want["subject"]["id"],
            want["status"],
            want["grade"],
            want["score"],
            [m["id"] for m in want["measures"]],
        )
    assert json.loads(rows[0]["trace"]) == expected[0]


def test_bad_lines_are_reported_and_good_ones_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "h.jsonl"
    good = {"id": "S1", "category": "retail_pharmacy", "records": [{"kind": "inspection", "date": "2023-02-01"}]}
    source.write_text(json.dumps(good) + "\n" + '{"id": "S2"}\n', "utf-8")
    s, r = tmp_path / "s.parquet", tmp_path / "r.parquet"
    assert main(["table", "convert", str(source), "--subjects", str(s), "--records", str(r)]) == 1
    assert "h.jsonl:2" in capsys.readouterr().err
    assert pq.read_table(s).column("id").to_pylist() == ["S1"]
    assert pq.read_table(r).num_rows == 1


def test_unreadable_parquet_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "s.parquet"
    bogus.write_text("not parquet", "utf-8")
    args = ["--pack", "wushan", "--cycle", "2023", "--subjects", str(bogus), "--records", str(bogus)]
    assert main(["table", "evaluate", *args, "--output", str(tmp_path / "o.parquet")]) == 2
    assert "cannot read Parquet" in capsys.readouterr().err


def test_a_bad_cell_names_file_row_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow as pa

    s, r = tmp_path / "s.parquet", tmp_path / "r.parquet"
    pq.write_table(pa.table({"id": ["S1"], "category": ["retail_pharmacy"]}), s)
    records = pa.table(
        {
            "subject_id": ["S1", "S1"],
            "kind": ["inspection", "fraud"],
            "date": pa.array([19400, 19401], pa.int32()).cast(pa.date32()),
        }
    )
    pq.write_table(records, r)
    args = ["--pack", "wushan", "--cycle", "2023", "--subjects", str(s), "--records", str(r)]
    assert main(["table", "evaluate", *args, "--output", str(tmp_path / "o.parquet")]) == 1
    err = capsys.readouterr().err
    assert f"{r}:2:0: [error] record kind 'fraud' needs field 'code'" in err


def test_jobs_sets_the_threads_and_the_bytes_do_not_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from medcredit.columnar import evaluate as evaluate_module

    source = tmp_path / "w.jsonl"
    write(200, 5, source)
    s, r = tmp_path / "s.parquet", tmp_path / "r.parquet"
    assert main(["table", "convert", str(source), "--subjects", str(s), "--records", str(r)]) == 0
    seen: list[int | None] = []
    evaluate_table = evaluate_module.evaluate_table

    def small_slices(*args: object, threads: int | None, **kwargs: object) -> object:
        seen.append(threads)
        return evaluate_table(*args, threads=threads, **{**kwargs, "slice_subjects": 16})  # type: ignore[arg-type]

    monkeypatch.setattr(evaluate_module, "evaluate_table", small_slices)
    args = ["--pack", "wushan", "--cycle", "2023", "--subjects", str(s), "--records", str(r)]
    written = []
    for jobs in ("1", "3", "auto"):
        out = tmp_path / f"out-{jobs}.parquet"
        assert main(["table", "evaluate", *args, "--output", str(out), "--jobs", jobs]) == 0
        written.append(out.read_bytes())
    assert seen == [1, 3, None]
    assert written[0] == written[1] == written[2]
    for bad in ("0", "65", "two"):
        with pytest.raises(SystemExit) as exit_info:
            main(["table", "evaluate", *args, "--output", str(tmp_path / "x.parquet"), "--jobs", bad])
        assert exit_info.value.code == 2
    assert "--jobs" in capsys.readouterr().err
