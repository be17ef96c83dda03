"""History encodings: UTF-8 with or without BOM, GB18030/GBK detected or given, per-line decoding (history)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcredit import load_subject_file
from medcredit.cli.main import main
from medcredit.diagnostics.errors import ProblemsError
from medcredit.diagnostics.problems import Problem
from medcredit.history.reader import EncodingNotice, Loaded, Rejected, iter_subjects
from medcredit.io.encoding import SAMPLE_BYTES, detect

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "wushan-subjects.jsonl"
LINES = EXAMPLES.read_text(encoding="utf-8").splitlines()


def _items(path: Path, **kwargs: object) -> tuple[list[Loaded | Rejected], list[Problem]]:
    warnings: list[Problem] = []
    items = list(iter_subjects(path, on_warning=warnings.append, **kwargs))  # type: ignore[arg-type]
    return items, warnings


def test_one_gbk_line_in_a_utf8_stream_is_one_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11: one GBK-encoded line used to abort the whole stream (exit 2, no results).

    Now it is one located error (file:line:column of its first bad byte) and the good lines
    before and after it are evaluated.
    """
    raw = [line.encode("utf-8") for line in LINES[:3]]
    raw[1] = LINES[1].encode("gbk")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(raw) + b"\n")
    first_bad = LINES[1].encode("gbk").index(b"\xb8")  # first byte of 福 in GBK, not UTF-8
    expected_column = len(LINES[1].encode("gbk")[:first_bad].decode("ascii")) + 1

    code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", "--format", "jsonl", str(path)])
    out, err = capsys.readouterr()
    results = [json.loads(line) for line in out.splitlines()]
    assert code == 1  # problems in the input, not an unreadable file
    assert [r.get("subject", {}).get("id") or r["status"] for r in results] == [
        json.loads(LINES[0])["id"],
        "rejected",
        json.loads(LINES[2])["id"],
    ]
    assert f"{path}:2:{expected_column}: [error]" in err
    assert "(history-encoding)" in err
    assert "2 evaluated, 1 rejected" in err


def test_gbk_jsonl_is_detected_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(("\n".join(LINES[:3]) + "\n").encode("gbk"))
    items, warnings = _items(path)
    assert [type(i) for i in items] == [Loaded, Loaded, Loaded]
    assert items[1].subject.name == json.loads(LINES[1])["name"]  # type: ignore[union-attr]
    assert [w.code for w in warnings] == ["encoding-used"]
    assert "gb18030" in warnings[0].message and warnings[0].level == "warning"


def test_utf8_with_bom_reads_silently(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(LINES[:2]) + "\n").encode("utf-8"))
    items, warnings = _items(path)
    assert [type(i) for i in items] == [Loaded, Loaded]
    assert warnings == []


def test_given_encoding_wins_over_detection(tmp_path: Path) -> None:
    """With --encoding utf-8 a GBK file is not guessed: each undecodable line is its own error."""
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(("\n".join(LINES[:3]) + "\n").encode("gbk"))
    items, _ = _items(path, encoding="utf-8")
    assert all(isinstance(i, Rejected) for i in items)
    assert [i.problems[0].line for i in items if isinstance(i, Rejected)] == [1, 2, 3]
    items, warnings = _items(path, encoding="GBK")
    assert all(isinstance(i, Loaded) for i in items)
    assert "as given" in warnings[0].message


def test_gbk_json_and_yaml_documents(tmp_path: Path) -> None:
    subject = json.loads(LINES[1])
    for name, text in (
        ("one.json", json.dumps(subject, ensure_ascii=False)),
        ("one.yaml", f"id: {subject['id']}\nname: {subject['name']}\ncategory: {subject['category']}\n"),
    ):
        path = tmp_path / name
        path.write_bytes(text.encode("gb18030"))
        items, warnings = _items(path)
        assert isinstance(items[0], Loaded) and items[0].subject.name == subject["name"]
        assert warnings[0].code == "encoding-used"


def test_undecodable_one_subject_document_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{\n  "id": "\xe4\xb8\xad",\n  "category": "retail_pharmacy",\n  "name": "\xff"\n}')
    (item,) = _items(path)[0]
    assert isinstance(item, Rejected)
    (problem,) = item.problems
    assert (problem.line, problem.column, problem.code) == (4, 12, "history-encoding")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_one_undecodable_subject_of_a_document_loses_only_itself(tmp_path: Path, fmt: str) -> None:
    """A GBK-encoded subject inside a UTF-8 list document is one located error; the others are read."""
    subjects = [json.loads(line) for line in LINES[:3]]
    if fmt == "json":
        parts = [json.dumps(s, ensure_ascii=False).encode("utf-8") for s in subjects]
        parts[1] = json.dumps(subjects[1], ensure_ascii=False).encode("gbk")
        data = b"[\n" + b",\n".join(parts) + b"\n]\n"
    else:
        parts = [f"- id: {s['id']}\n  name: {s['name']}\n  category: {s['category']}\n".encode() for s in subjects]
        parts[1] = parts[1].decode("utf-8").encode("gbk")
        data = b"".join(parts)
    path = tmp_path / f"list.{fmt}"
    path.write_bytes(data)
    items, _ = _items(path, encoding="utf-8")
    assert [type(i) for i in items] == [Loaded, Rejected, Loaded]
    bad = items[1]
    assert isinstance(bad, Rejected)
    assert [(p.code, p.line) for p in bad.problems][:1] == [("history-encoding", 3 if fmt == "json" else 5)]


def test_unknown_or_unsafe_encoding_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(LINES[0] + "\n", encoding="utf-8")
    for name in ("klingon", "utf-16"):
        code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", "--encoding", name, str(path)])
        assert code == 2
        assert "(encoding)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["rot13", "hex", "base64", "zlib_codec"])
def test_a_codec_that_is_not_a_text_encoding_is_refused_like_an_unknown_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """rot13, hex, base64, zlib are codecs Python knows but cannot decode bytes to text with: they used
    to escape as a LookupError traceback from every reader (JSONL, JSON, CSV) and from the API."""
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text(LINES[0] + "\n", encoding="utf-8")
    csv = tmp_path / "x.csv"
    csv.write_text("id,category\nA,retail_pharmacy\n", encoding="utf-8")
    for path in (jsonl, csv):
        for command in ("evaluate", "explain"):
            code = main([command, "--pack", "wushan", "--cycle", "2023", "--encoding", name, str(path)])
            assert code == 2
            err = capsys.readouterr().err
            assert "(encoding)" in err and "Traceback" not in err
    with pytest.raises(ProblemsError, match=f"unknown encoding '{name}'") as raised:
        list(iter_subjects(jsonl, encoding=name))
    assert [p.code for p in raised.value.problems] == ["encoding"]
    with pytest.raises(ProblemsError, match="unknown encoding"):
        load_subject_file(jsonl, encoding=name)


def test_default_warning_goes_through_the_warnings_module(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes((LINES[1] + "\n").encode("gbk"))
    with pytest.warns(EncodingNotice, match="gb18030"):
        assert isinstance(next(iter(iter_subjects(path))), Loaded)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("清溪药店\n".encode(), "utf-8"),
        ("清溪药店\n".encode("gbk"), "gb18030"),
        (b"ascii only\n", "utf-8"),
        # a UTF-8 file with one GBK line stays UTF-8: the GBK line is the error, not the file
        ("清溪\n".encode() + "福康\n".encode("gbk"), "utf-8"),
        # a sample cut inside a multi-byte character is still UTF-8
        ("清溪药店".encode()[:-1], "utf-8"),
    ],
)
def test_detection(sample: bytes, expected: str) -> None:
    assert detect(sample).encoding == expected


def test_a_utf8_line_in_a_file_detected_as_gb18030_is_refused_not_garbled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def line(ident: str, name: str, encoding: str) -> bytes:
        subject = {"id": ident, "name": name, "category": "retail_pharmacy", "records": []}
        return json.dumps(subject, ensure_ascii=False).encode(encoding) + b"\n"

    path = tmp_path / "mixed.jsonl"
    gb = line("G0", "人民医院药店" * 30, "gb18030")
    count = SAMPLE_BYTES // len(gb) + 1  # the encoding is detected from the first MiB: all GB18030 here
    path.write_bytes(gb * count + line("U1", "人民医院", "utf-8") + line("G9", "全", "gb18030"))
    for jobs in ("1", "2"):
        code = main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(path), "--format", "jsonl", "--jobs", jobs])
        captured = capsys.readouterr()
        assert code == 1
        out = [json.loads(x) for x in captured.out.splitlines()]
        assert len(out) == count + 2
        assert {x["subject"]["name"] for x in out[:count]} == {"人民医院药店" * 30}
        assert [x.get("subject", {}).get("name") or x["status"] for x in out[count:]] == [
            "rejected",
            "全",  # C8 AB is UTF-8 too (ȫ), but no ideograph: read as the file's GB18030
        ]
        assert f"{path}:{count + 1}:1" in captured.err and "mixes encodings" in captured.err
    given = main(["evaluate", "--pack", "wushan", "--cycle", "2023", str(path), "--encoding", "gb18030"])
    assert given == 0  # an encoding given is taken at its word
    capsys.readouterr()


def test_a_sample_cut_inside_a_character_is_judged_by_its_whole_lines() -> None:
    line = json.dumps({"id": "G", "name": "人民医院药店"}, ensure_ascii=False).encode("gb18030") + b"\n"
    data = line * 50
    for cut in range(len(data) - 2 * len(line), len(data)):  # every place the read buffer may end
        assert detect(data[:cut]).encoding == "gb18030", cut
