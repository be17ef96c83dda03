"""A command never writes over one of its own inputs or outputs: the same file given twice is a usage error
(exit 2), refused before anything is read or written (robustness)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medcredit.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SUBJECTS = ROOT / "examples" / "wushan-subjects.jsonl"


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "v.jsonl"
    shutil.copyfile(SUBJECTS, path)
    return path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], first: str, second: str) -> None:
    assert main(["--lang", "en", *argv]) == 2
    err = capsys.readouterr().err
    assert f"medcredit: {first} and {second} are the same file (" in err and "Traceback" not in err


def test_table_convert_refuses_the_same_file_twice(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--subjects X --records X used to write an unreadable file and report success; --subjects equal to the
    input truncated the input before reading it."""
    before = history.read_bytes()
    out = tmp_path / "x.parquet"
    _refused(
        ["table", "convert", str(history), "--subjects", str(out), "--records", str(out)],
        capsys,
        "--subjects",
        "--records",
    )
    assert not out.exists()
    records = str(tmp_path / "r.parquet")
    _refused(
        ["table", "convert", str(history), "--subjects", str(history), "--records", records],
        capsys,
        "FILE",
        "--subjects",
    )
    # the same file by another name: a relative path, a symbolic link
    link = tmp_path / "link.jsonl"
    link.symlink_to(history)
    monkeypatch.chdir(tmp_path)
    _refused(
        ["table", "convert", str(link), "--subjects", "s.parquet", "--records", "v.jsonl"], capsys, "FILE", "--records"
    )
    assert history.read_bytes() == before


def test_table_evaluate_refuses_an_output_that_is_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    subjects, records = tmp_path / "s.parquet", tmp_path / "r.parquet"
    assert main(["table", "convert", str(SUBJECTS), "--subjects", str(subjects), "--records", str(records)]) == 0
    before = records.read_bytes()
    argv = ["table", "evaluate", "--pack", "wushan", "--cycle", "2023", "--subjects", str(subjects)]
    _refused([*argv, "--records", str(records), "--output", str(records)], capsys, "--records", "--output")
    _refused([*argv, "--records", str(records), "--output", str(subjects)], capsys, "--subjects", "--output")
    assert records.read_bytes() == before


def test_evaluate_summary_json_diff_html_and_render_html_refuse_an_input(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = history.read_bytes()
    grade = ["evaluate", "--pack", "wushan", "--cycle", "2023", str(history)]
    _refused([*grade, "--summary-json", str(history)], capsys, "FILE", "--summary-json")
    diff = ["diff", "wushan", "wushan", "--population", str(history), "--cycle", "2023"]
    _refused([*diff, "--html", str(history)], capsys, "--population", "--html")
    assert history.read_bytes() == before
    pack = tmp_path / "w.yaml"
    shutil.copyfile(ROOT / "src" / "medcredit" / "packs" / "wushan.yaml", pack)
    text = pack.read_bytes()
    _refused(["render", str(pack), "--html", str(pack)], capsys, "PACK", "--html")
    _refused([*diff[:1], str(pack), "wushan", *diff[3:], "--html", str(pack)], capsys, "OLD", "--html")
    assert pack.read_bytes() == text


def test_the_same_input_twice_is_not_refused(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reading one file twice destroys nothing: diff of a pack file with itself still runs."""
    pack = ROOT / "tests" / "fixtures" / "minimal_pack.yaml"
    assert main(["diff", str(pack), str(pack), "--population", str(history), "--cycle", "2023"]) == 0
    assert "same file" not in capsys.readouterr().err


def test_convert_jsonl_refuses_the_same_file_twice(history: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from medcredit.columnar.parquet import convert_jsonl
    from medcredit.diagnostics.errors import ArgumentError

    before = history.read_bytes()
    with pytest.raises(ArgumentError, match="source and subjects_out are the same file"):
        convert_jsonl(history, history, tmp_path / "r.parquet")
    with pytest.raises(ArgumentError, match="subjects_out and records_out are the same file"):
        convert_jsonl(history, tmp_path / "x.parquet", tmp_path / "." / "x.parquet")
    assert history.read_bytes() == before and not (tmp_path / "x.parquet").exists()
