"""Tests of safe, located YAML loading and of problems as values (io.yamlload, diagnostics.problems)."""

from __future__ import annotations

import contextlib
import json
import re
import resource
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from medcredit.diagnostics.errors import ProblemsError
from medcredit.diagnostics.problems import Problem, format_path, has_errors, rank, suggest
from medcredit.io.yamlload import Located, load_yaml, load_yaml_file, read_text

BAD_PACKS = Path(__file__).parent / "fixtures" / "bad_packs"

#: ``file:line:col: [level] message (code)`` — the parsable problem format.
PROBLEM_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<level>error|warning)\] (?P<msg>.+) \((?P<code>[a-z0-9-]+)\)$"
)


def problems_of(text: str, file: str = "doc.yaml") -> list[Problem]:
    """The problems ``load_yaml`` raises for ``text`` (fails the test when it loads)."""
    with pytest.raises(ProblemsError) as info:
        load_yaml(text, file)
    return list(info.value.problems)


def line_of(text: str, needle: str) -> int:
    """1-based number of the only line of ``text`` containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


# ----------------------------------------------------------------- plain loading


def test_scalars_load_as_exact_python_values() -> None:
    """Ints stay int, decimals become Decimal (never float), booleans and nulls are typed."""
    data = load_yaml("a: 1\nb: 0.1\nc: 1_000.50\nd: true\ne: ~\nf: text\ng: '0.1'\n").data
    assert data == {
        "a": 1,
        "b": Decimal("0.1"),
        "c": Decimal("1000.50"),
        "d": True,
        "e": None,
        "f": "text",
        "g": "0.1",
    }
    assert type(data["b"]) is Decimal
    assert type(data["a"]) is int


def test_timestamps_are_kept_as_text_even_when_impossible() -> None:
    """Dates stay text so that 2023-02-30 becomes a located validation problem, not a loader crash."""
    data = load_yaml("ok: 2023-02-28\nbad: 2023-02-30\nstamp: 2023-01-01T10:00:00\n").data
    assert data == {"ok": "2023-02-28", "bad": "2023-02-30", "stamp": "2023-01-01T10:00:00"}


@pytest.mark.parametrize("special", [".inf", "-.inf", ".nan", ".NaN"])
def test_special_floats_are_left_as_text(special: str) -> None:
    """Infinity and NaN are not turned into numbers (numeric fields then refuse them)."""
    assert load_yaml(f"x: {special}\n").data == {"x": special}


def test_empty_document_loads_as_none() -> None:
    """An empty document is None with the root located at 1:1 (callers decide if that is an error)."""
    located = load_yaml("", "empty.yaml")
    assert located.data is None
    assert located.where(()) == (1, 1)


def test_positions_are_recorded_for_every_path() -> None:
    """Every mapping key and sequence item has its 1-based line and column; missing paths use the parent."""
    text = "top:\n  inner:\n    - first\n    - {k: v}\nother: 2\n"
    located = load_yaml(text, "pos.yaml")
    assert isinstance(located, Located)
    assert located.where(("top",)) == (1, 1)
    assert located.where(("top", "inner")) == (2, 3)
    assert located.where(("top", "inner", 0)) == (3, 7)
    assert located.where(("top", "inner", 1)) == (4, 7)
    assert located.where(("top", "inner", 1, "k")) == (4, 8)
    assert located.where(("other",)) == (5, 1)
    # an absent child falls back to its nearest located ancestor
    assert located.where(("top", "inner", 1, "absent", 3)) == (4, 7)


def test_located_problem_carries_file_line_column_and_path() -> None:
    """``Located.problem`` builds a Problem with the position of the path and the suggestion."""
    located = load_yaml("a:\n  bee: 1\n", "p.yaml")
    p = located.problem("unknown-thing", "unknown field 'bee'", ("a", "bee"), suggestion="be")
    assert (p.file, p.line, p.column, p.path, p.suggestion, p.level) == ("p.yaml", 2, 3, ("a", "bee"), "be", "error")
    w = located.problem("w", "m", ("a",), level="warning")
    assert w.level == "warning"


# ----------------------------------------------------------------- safety: tags


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x: !!python/object:os.system y\n", id="python-object-scalar"),
        pytest.param("x: !!python/object/apply:os.system ['echo hi']\n", id="python-object-apply-sequence"),
        pytest.param("x: !!python/object/new:os.system {args: [echo]}\n", id="python-object-new-mapping"),
        pytest.param("x: !!python/name:os.system\n", id="python-name"),
        pytest.param("x: !!python/module:os\n", id="python-module"),
        pytest.param("x: !foo y\n", id="custom-tag-scalar"),
        pytest.param("x: !foo {a: 1}\n", id="custom-tag-mapping"),
        pytest.param("x: !foo [1, 2]\n", id="custom-tag-sequence"),
    ],
)
def test_non_standard_tags_are_refused(text: str) -> None:
    """Safe YAML only: a !!python/... or application tag is an error (code yaml-tag) at the tag's line."""
    problems = problems_of(text, "tagged.yaml")
    assert [p.code for p in problems] == ["yaml-tag"]
    assert problems[0].line == 1
    assert problems[0].file == "tagged.yaml"
    assert problems[0].path == ("x",)


def test_python_apply_tag_never_runs_code(tmp_path: Path) -> None:
    """A !!python/object/apply tag is never constructed: the call it names does not happen."""
    target = tmp_path / "pwned"
    text = f"x: !!python/object/apply:os.mkdir [{json.dumps(str(target))}]\n"
    with contextlib.suppress(ProblemsError):
        load_yaml(text, "evil.yaml")
    assert not target.exists()


def test_merge_keys_are_refused() -> None:
    """YAML merge keys ('<<') would hide where values come from; they are refused with their line."""
    problems = problems_of("base: &b {a: 1}\nx:\n  <<: *b\n  c: 2\n")
    assert [(p.code, p.line) for p in problems] == [("yaml-merge", 3)]


def test_non_scalar_keys_are_refused() -> None:
    """A mapping key that is itself a list or mapping is refused (code yaml-key)."""
    problems = problems_of("x: {[1, 2]: 3}\n")
    assert [p.code for p in problems] == ["yaml-key"]


# ----------------------------------------------------------------- duplicates and syntax


def test_duplicate_key_is_reported_at_the_duplicate_with_the_first_line() -> None:
    """PyYAML would silently keep the last value; we report the duplicate's line and name the first."""
    text = "doc:\n  issued: 2022-12-28\n  effective: 2023-01-01\n  issued: 2022-12-29\n"
    problems = problems_of(text, "dup.yaml")
    assert len(problems) == 1
    p = problems[0]
    assert p.code == "duplicate-key"
    assert p.line == line_of(text, "issued: 2022-12-29")
    assert p.column == 3
    assert p.path == ("doc", "issued")
    assert "line 2" in p.message
    assert "'issued'" in p.message


def test_every_duplicate_key_is_reported() -> None:
    """Duplicates in different mappings are all collected, not just the first one."""
    text = "a:\n  k: 1\n  k: 2\nb:\n  - {m: 1, m: 2}\n"
    problems = problems_of(text)
    assert sorted((p.code, p.line) for p in problems) == [("duplicate-key", 3), ("duplicate-key", 5)]


def test_malformed_yaml_reports_the_offending_line() -> None:
    """Bad indentation is a yaml-syntax problem at the line that is wrongly indented."""
    text = "document:\n  number: x\n   effective: 2023-01-01\n  seed: y\n"
    problems = problems_of(text, "indent.yaml")
    assert [p.code for p in problems] == ["yaml-syntax"]
    assert problems[0].line == line_of(text, "   effective")
    assert problems[0].column > 0
    assert problems[0].file == "indent.yaml"


def test_unclosed_flow_sequence_is_a_syntax_problem() -> None:
    """An unclosed '[' is reported as yaml-syntax with a line, never as a raw PyYAML exception."""
    problems = problems_of("a: [1, 2\nb: 3\n")
    assert problems[0].code == "yaml-syntax"
    assert problems[0].line >= 1


def test_tab_indentation_is_a_syntax_problem_on_its_line() -> None:
    """A tab used for indentation is refused at its line."""
    text = "a:\n  b: 1\n\tc: 2\n"
    problems = problems_of(text)
    assert problems[0].code == "yaml-syntax"
    assert problems[0].line == 3


def test_deep_nesting_is_refused_cleanly() -> None:
    """Pathologically deep nesting gives a problem, not a RecursionError."""
    with pytest.raises(ProblemsError) as info:
        load_yaml("- " * 5000 + "x\n", "deep.yaml")
    assert info.value.problems[0].code in ("yaml-depth", "yaml-syntax")


# ----------------------------------------------------------------- resource limits

BOMB_CPU_LIMIT_S = 2.0  # the promise for any pack; refusing the bomb takes milliseconds
BOMB_MEMORY_LIMIT_KB = 1024 * 1024  # 1 GiB


def test_billion_laughs_fails_fast_with_a_clear_error() -> None:
    """An alias bomb (10^9 nodes once expanded) is refused with code too-large within seconds."""
    text = (BAD_PACKS / "billion_laughs.yaml").read_text(encoding="utf-8")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = usage.ru_utime + usage.ru_stime
    with pytest.raises(ProblemsError) as info:
        load_yaml(text, "bomb.yaml")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time, never wall clock: a loaded machine slows the clock, not the work
    assert usage.ru_utime + usage.ru_stime - started < BOMB_CPU_LIMIT_S
    assert [p.code for p in info.value.problems] == ["too-large"]
    assert "alias" in info.value.problems[0].message


def test_billion_laughs_does_not_exhaust_memory() -> None:
    """Refusing the alias bomb keeps the process's peak memory under 1 GiB (measured in a fresh process)."""
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from medcredit.diagnostics.errors import ProblemsError\n"
        "from medcredit.io.yamlload import load_yaml_file\n"
        "try:\n"
        "    load_yaml_file(Path(sys.argv[1]))\n"
        "    print('loaded')\n"
        "except ProblemsError as exc:\n"
        "    print(exc.problems[0].code)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(BAD_PACKS / "billion_laughs.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    code, peak_kb = proc.stdout.split()
    assert code == "too-large"
    assert int(peak_kb) < BOMB_MEMORY_LIMIT_KB


def test_read_text_refuses_files_over_the_size_limit(tmp_path: Path) -> None:
    """A file larger than the byte limit is refused before parsing (code too-large)."""
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100, encoding="utf-8")
    with pytest.raises(ProblemsError) as info:
        read_text(big, max_bytes=50)
    assert [p.code for p in info.value.problems] == ["too-large"]
    assert info.value.problems[0].file == str(big)


def test_read_text_missing_file_is_an_io_problem(tmp_path: Path) -> None:
    """A missing file is a ProblemsError with code io naming the file, not a bare OSError."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ProblemsError) as info:
        read_text(missing)
    assert [(p.code, p.file) for p in info.value.problems] == [("io", str(missing))]


def test_read_text_non_utf8_is_an_encoding_problem(tmp_path: Path) -> None:
    """Undecodable bytes give code encoding, not a UnicodeDecodeError."""
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("名称: 巫山\n".encode("gb18030"))
    with pytest.raises(ProblemsError) as info:
        read_text(bad)
    assert [p.code for p in info.value.problems] == ["encoding"]


def test_read_text_strips_a_byte_order_mark(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark does not become part of the first key."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_yaml_file(path).data == {"a": 1}


# ----------------------------------------------------------------- problems as values


def test_problem_render_is_the_parsable_format() -> None:
    """``render`` gives ``file:line:col: [level] message; did you mean 'x'? (at path) (code)``."""
    p = Problem(
        code="unknown-fact",
        message="unknown fact 'interview'",
        file="pack.yaml",
        line=12,
        column=5,
        path=("rules", 0, "fact"),
        suggestion="interviews",
    )
    rendered = p.render()
    assert rendered == (
        "pack.yaml:12:5: [error] unknown fact 'interview'; did you mean 'interviews'? (at rules[0].fact) (unknown-fact)"
    )
    m = PROBLEM_LINE.match(rendered)
    assert m is not None
    assert (m["file"], m["line"], m["col"], m["level"], m["code"]) == ("pack.yaml", "12", "5", "error", "unknown-fact")


def test_problem_as_dict_has_every_location_field() -> None:
    """The JSON form of a problem names file, line, column, level, code, path and suggestion."""
    p = Problem(code="c", message="m", level="warning", file="f", line=3, column=4, path=("a", 1), suggestion="s")
    assert p.as_dict() == {
        "file": "f",
        "line": 3,
        "column": 4,
        "level": "warning",
        "code": "c",
        "message": "m",
        "path": "a[1]",
        "suggestion": "s",
    }


@pytest.mark.parametrize(
    ("path", "text"),
    [((), "<root>"), (("a",), "a"), (("a", "b"), "a.b"), (("a", 2, "c"), "a[2].c"), ((0, "x"), "[0].x")],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    """YAML paths render as ``a.b[2].c``; the empty path is ``<root>``."""
    assert format_path(path) == text


def test_rank_puts_errors_before_warnings_then_orders_by_position() -> None:
    """Ranking: every error before any warning, then file, line, column; exact duplicates dropped."""
    w1 = Problem(code="w", message="warn early", level="warning", file="a.yaml", line=1, column=1)
    e9 = Problem(code="e", message="late error", file="a.yaml", line=9, column=1)
    e3 = Problem(code="e", message="early error", file="a.yaml", line=3, column=7)
    e3b = Problem(code="e", message="early error col 2", file="a.yaml", line=3, column=2)
    w5 = Problem(code="w", message="warn late", level="warning", file="a.yaml", line=5, column=1)
    ranked = rank([w5, e9, w1, e3, e3b, e9])
    assert ranked == [e3b, e3, e9, w1, w5]
    assert has_errors(ranked)
    assert not has_errors([w1, w5])


def test_problems_error_carries_every_problem_in_its_message() -> None:
    """ProblemsError keeps the problems and lists each rendered problem under the summary."""
    a = Problem(code="x", message="first", file="f", line=1, column=1)
    b = Problem(code="y", message="second", file="f", line=2, column=1)
    exc = ProblemsError("f: invalid", [a, b])
    assert exc.problems == (a, b)
    assert str(exc).splitlines() == ["f: invalid", a.render(), b.render()]


@pytest.mark.parametrize(
    ("name", "candidates", "expected"),
    [
        ("exclusion", ["exclusions", "facts", "rules"], "exclusions"),
        ("per_ocurrence", ["per_occurrence", "once", "tiers"], "per_occurrence"),
        ("intervew", ["interview", "inspection"], "interview"),
        ("zzzz", ["interview", "inspection"], None),
    ],
)
def test_suggest_finds_the_nearest_name(name: str, candidates: list[str], expected: str | None) -> None:
    """Did-you-mean suggestions pick the nearest valid name, or none when nothing is close."""
    assert suggest(name, candidates) == expected
