"""Command-line arguments that Python would take but no user means are refused (exit 2), and what a run is
asked to do but cannot is said, never skipped (cli.common argument types, serve, table evaluate, properties)."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcredit.cli.main import build_parser, main
from medcredit.diagnostics.errors import ArgumentError, MedcreditError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "wushan-subjects.jsonl"
MINIMAL = Path(__file__).parent / "fixtures" / "minimal_pack.yaml"


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("year", ["٢٠٢٣", "２０２３", "1_990", "+2023", " 2023", "2023 ", "2O23", "9" * 101])
def test_cycle_is_a_year_in_ascii_digits(year: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["evaluate", "--pack", "wushan", "--cycle", year, str(EXAMPLES)],
        ["compare", "--cycle", year, str(EXAMPLES)],
        [
            "table",
            "evaluate",
            "--pack",
            "wushan",
            "--cycle",
            year,
            *("--subjects", "s", "--records", "r", "--output", "o"),
        ],
    ):
        assert "is not a year" in _refused(argv, capsys)
    assert build_parser().parse_args(["evaluate", "--pack", "wushan", "--cycle", "2023", "f"]).cycle == 2023


def test_a_long_or_negative_year_is_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    for year in ("9" * 30, "-1"):
        assert "out of range" in _refused(["evaluate", "--pack", "wushan", "--cycle", year, "f"], capsys)


def test_diff_examples_is_zero_or_more(capsys: pytest.CaptureFixture[str]) -> None:
    diff = ["diff", "--population", "p.jsonl", "--cycle", "2023", "a", "b", "--examples"]
    assert "at least 0" in _refused([*diff, "-1"], capsys)
    assert "is not a whole number" in _refused([*diff, "٣"], capsys)
    assert build_parser().parse_args([*diff, "0"]).examples == 0  # 0: no examples kept


def test_seeds_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file or a missing directory given as --seeds was silently replaced by the bundled seeds."""
    a_file = tmp_path / "seed.txt"
    a_file.write_text("第一条", encoding="utf-8")
    assert "is not a directory" in _refused(["check", "wushan", "--seeds", str(a_file)], capsys)
    assert "does not exist" in _refused(["validate", "wushan", "--seeds", str(tmp_path / "none")], capsys)
    assert build_parser().parse_args(["check", "wushan", "--seeds", str(tmp_path)]).seeds == tmp_path


@pytest.mark.parametrize("seconds", ["nan", "inf", "-inf", "-1", "0", "1e3", "٣"])
def test_serve_timeout_is_finite_and_positive(seconds: str, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(["serve", "--timeout", seconds], capsys)


def test_serve_timeout_takes_decimals() -> None:
    assert build_parser().parse_args(["serve", "--timeout", "2.5"]).timeout == 2.5


@pytest.mark.parametrize("number", ["٨٠٠٠", "8_000", "-8000"])
def test_serve_port_and_limits_are_ascii_numbers(number: str, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(["serve", "--port", number], capsys)
    _refused(["serve", "--max-batch", number], capsys)


def test_an_empty_token_file_is_refused_not_auth_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("fastapi", reason="the service needs the serve extra")
    from medcredit.serve.config import ServiceConfigError, read_tokens

    monkeypatch.delenv("MEDCREDIT_TOKENS", raising=False)
    empty = tmp_path / "tokens"
    empty.write_text("# no token yet\n\n", encoding="utf-8")
    with pytest.raises(ServiceConfigError, match="holds no token"):
        read_tokens(empty)
    assert isinstance(ServiceConfigError("x"), MedcreditError)
    pytest.importorskip("uvicorn", reason="the service needs the serve extra")
    assert main(["serve", "--token-file", str(empty)]) == 2
    assert "holds no token" in capsys.readouterr().err
    assert main(["serve", "--token-file", ""]) == 2  # "" is not "no file": it cannot be read


def test_unknown_trace_ids_are_an_error_in_the_api_and_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet", reason="the columnar path needs the 'columnar' extra")
    from medcredit.columnar import evaluate_table, subjects_to_tables
    from medcredit.history.model import Subject
    from medcredit.pack.loader import load_pack

    subject = Subject.model_validate(
        {
            "id": "92500237MA5U00001T",
            "category": "retail_pharmacy",
            "records": [{"kind": "inspection", "date": "2023-03-01"}],
        }
    )
    s, r = subjects_to_tables([subject])
    pack = load_pack("wushan")
    for slices in (1, 1000):
        with pytest.raises(ArgumentError, match="'92500237MA5U0000XX'"):
            evaluate_table(pack, s, r, cycle=2023, trace_ids=[subject.id, "92500237MA5U0000XX"], slice_subjects=slices)
    table = evaluate_table(pack, s, r, cycle=2023, trace_ids=[subject.id])
    assert table.column("trace").to_pylist()[0] is not None
    sp, rp, out = tmp_path / "s.parquet", tmp_path / "r.parquet", tmp_path / "o.parquet"
    pq.write_table(s, sp)
    pq.write_table(r, rp)
    argv = ["table", "evaluate", "--pack", "wushan", "--cycle", "2023", "--subjects", str(sp), "--records", str(rp)]
    assert main([*argv, "--output", str(out), "--trace-ids", "nobody"]) == 2
    assert "'nobody'" in capsys.readouterr().err
    assert not out.exists()


def test_a_property_whose_expression_fails_at_run_time_is_a_failing_property(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("hypothesis")
    pack = tmp_path / "div.yaml"
    text = MINIMAL.read_text(encoding="utf-8").replace("when: inspections == 0", "when: 1 / inspections == 0")
    pack.write_text(text, encoding="utf-8")
    assert main(["properties", str(pack), "--property", "accounting"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "accounting" in out and "DivisionByZero" in out
