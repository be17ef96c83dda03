"""Tests of pack loading and validation: located, ranked problems with suggestions (medcredit.pack.loader).

Each fixture in ``fixtures/bad_packs`` is ``fixtures/minimal_pack.yaml`` with one
thing broken.  Expected lines and columns are computed by searching the fixture
text for the offending token, so the tests survive edits to the fixtures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.diagnostics.errors import (
    ExpressionError,
    HistoryError,
    MedcreditError,
    PackError,
    PackNotFoundError,
    ProblemsError,
)
from medcredit.diagnostics.problems import Problem
from medcredit.pack.loader import bundled_pack_names, load_pack, validate_pack_text

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad_packs"
MINIMAL = FIXTURES / "minimal_pack.yaml"
WUSHAN = ROOT / "policies" / "wushan.yaml"


def locate(path: Path, needle: str, *, exact: bool = False) -> tuple[int, int]:
    """(line, column), 1-based, of ``needle`` on the only non-comment line containing it (or equal to it)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [
        i
        for i, line in enumerate(lines)
        if not line.startswith("#") and (line.rstrip() == needle if exact else needle in line)
    ]
    assert len(hits) == 1, f"{needle!r} found on lines {[h + 1 for h in hits]} of {path.name}"
    line = lines[hits[0]]
    return hits[0] + 1, line.index(needle.strip() if exact else needle) + 1


def problems_of(path: Path) -> list[Problem]:
    """Every problem found in a pack file that must be invalid."""
    compiled, problems = validate_pack_text(path.read_text(encoding="utf-8"), str(path))
    assert compiled is None, f"{path.name} unexpectedly validated"
    return problems


# --------------------------------------------------------------------- valid packs


def test_minimal_pack_is_valid() -> None:
    """The base of the bad-pack fixtures is itself valid, so each fixture has exactly its one defect."""
    compiled, problems = validate_pack_text(MINIMAL.read_text(encoding="utf-8"), str(MINIMAL))
    assert problems == []
    assert compiled is not None
    assert compiled.id == "minimal"
    assert compiled.content_hash.startswith("sha256:")


def test_bundled_wushan_pack_loads_by_name_and_by_path() -> None:
    """``load_pack('wushan')`` and ``load_pack('policies/wushan.yaml')`` give the same, valid pack."""
    assert "wushan" in bundled_pack_names()
    by_name = load_pack("wushan")
    by_path = load_pack(WUSHAN)
    assert by_name.id == by_path.id == "wushan"
    assert by_name.content_hash == by_path.content_hash
    assert len(by_name.content_hash) == len("sha256:") + 64


def test_validate_pack_text_reports_nothing_for_wushan() -> None:
    """The bundled pack has no problems at all (no errors, no warnings)."""
    compiled, problems = validate_pack_text(WUSHAN.read_text(encoding="utf-8"), "policies/wushan.yaml")
    assert compiled is not None
    assert problems == []


# --------------------------------------------------------------------- one defect each

# fixture, code (prefix), token located by the problem, suggestion
SINGLE_DEFECTS = [
    ("misspelled_top_level_key.yaml", "schema-extra-forbidden", "exclusion:", "exclusions"),
    ("misspelled_rule_field.yaml", "schema-extra-forbidden", "per_ocurrence", "per_occurrence"),
    ("unknown_record_kind.yaml", "unknown-record-kind", "intervew", "interview"),
    ("unknown_violation_code.yaml", "unknown-violation-code", "inst_overcharge", "inst_overcharging"),
    ("unknown_code_group.yaml", "unknown-code-group", '"group:tiaoli40"', "tiaoli_40"),
    ("unknown_grade_in_band.yaml", "unknown-grade", "grade: E", None),
    ("overlapping_bands.yaml", "band-overlap", 'range: "(-inf, 60]"', None),
    ("unknown_fact_in_rule.yaml", "unknown-fact", "fact: interview", "interviews"),
    ("unknown_article.yaml", "unknown-article", "article: 第三十条", "第三条"),
    ("quote_not_in_article.yaml", "quote-not-in-article", "quote: 被约谈的，约谈一次扣50分。", None),
    ("expression_unknown_name.yaml", "expression", "when: inspection == 0", "inspections"),
    ("expression_type_error.yaml", "expression", "when: agreement_end_reason > 3", None),
    ("impossible_date.yaml", "schema-date", "issued: 2023-02-30", None),
    ("duplicate_key.yaml", "duplicate-key", "issued: 2022-12-29", None),
    ("list_not_mapping.yaml", "pack-not-mapping", "- format:", None),
]


@pytest.mark.parametrize(("fixture", "code", "token", "suggestion"), SINGLE_DEFECTS, ids=[c[0] for c in SINGLE_DEFECTS])
def test_bad_pack_problem_has_code_line_column_and_suggestion(
    fixture: str, code: str, token: str, suggestion: str | None
) -> None:
    """The defect is reported once with its code, the file, the line and column of the token, and the suggestion."""
    path = BAD / fixture
    problems = problems_of(path)
    matching = [p for p in problems if p.code.startswith(code)]
    assert len(matching) == 1, [p.render() for p in problems]
    p = matching[0]
    line, column = locate(path, token)
    assert p.file == str(path)
    assert p.level == "error"
    assert (p.line, p.column) == (line, column), p.render()
    assert p.suggestion == suggestion
    if suggestion is not None:
        assert f"did you mean '{suggestion}'?" in p.render()


# the unknown-fact cascade has a dedicated test below
ONE_PROBLEM = [c[0] for c in SINGLE_DEFECTS if c[0] != "unknown_fact_in_rule.yaml"]


@pytest.mark.parametrize("fixture", [*ONE_PROBLEM, "band_gap.yaml", "malformed_indentation.yaml", "empty.yaml"])
def test_one_defect_gives_one_problem(fixture: str) -> None:
    """A fixture with one defect yields exactly one problem (no cascades of follow-on errors)."""
    problems = problems_of(BAD / fixture)
    assert len(problems) == 1, [p.render() for p in problems]


def test_unknown_top_level_key_message_lists_the_allowed_keys() -> None:
    """The unknown-key message names the key and the allowed keys, and the path is the key itself."""
    (p,) = problems_of(BAD / "misspelled_top_level_key.yaml")
    assert "unknown field 'exclusion'" in p.message
    assert "exclusions" in p.message
    assert p.path == ("exclusion",)


def test_misspelled_rule_field_path_points_into_the_rule() -> None:
    """A misspelled field inside a rule carries the YAML path rules[0].per_ocurrence."""
    (p,) = problems_of(BAD / "misspelled_rule_field.yaml")
    assert p.path == ("rules", 0, "per_ocurrence")
    assert "(at rules[0].per_ocurrence)" in p.render()


def test_band_gap_names_the_uncovered_scores() -> None:
    """A gap between bands is reported at the band list with the uncovered interval [50, 60)."""
    (p,) = problems_of(BAD / "band_gap.yaml")
    assert p.code == "band-gap"
    assert (p.line, p.column) == locate(BAD / "band_gap.yaml", "    bands:", exact=True)
    assert "[50, 60)" in p.message


def test_overlapping_bands_name_both_bands() -> None:
    """An overlap names both bands and their intervals."""
    (p,) = problems_of(BAD / "overlapping_bands.yaml")
    assert "[60, +inf)" in p.message
    assert "(-inf, 60]" in p.message


def test_duplicate_key_names_the_first_definition() -> None:
    """A duplicate key is reported at the duplicate and the message gives the first definition's line."""
    (p,) = problems_of(BAD / "duplicate_key.yaml")
    first_line, _ = locate(BAD / "duplicate_key.yaml", "issued: 2022-12-28")
    assert f"first defined at line {first_line}" in p.message
    assert p.path == ("document", "issued")


def test_impossible_date_is_located_at_the_field() -> None:
    """2023-02-30 in document.issued is a located problem whose path is document.issued."""
    (p,) = problems_of(BAD / "impossible_date.yaml")
    assert p.path == ("document", "issued")
    assert "2023-02-30" in p.message


def test_malformed_yaml_reports_its_line() -> None:
    """Bad indentation is a yaml-syntax problem on the wrongly indented line."""
    path = BAD / "malformed_indentation.yaml"
    (p,) = problems_of(path)
    assert p.code == "yaml-syntax"
    assert p.line == locate(path, "   effective: 2023-01-01")[0]


def test_empty_file_is_refused_at_line_one() -> None:
    """An empty pack file is one clear problem at 1:1 saying a mapping is needed."""
    (p,) = problems_of(BAD / "empty.yaml")
    assert (p.code, p.line, p.column) == ("pack-not-mapping", 1, 1)
    assert "mapping" in p.message


def test_hostile_expressions_are_all_refused_at_their_lines() -> None:
    """Import, attribute access and a huge power are each refused at the line of their ``when``."""
    path = BAD / "expression_hostile.yaml"
    problems = problems_of(path)
    assert [p.code for p in problems] == ["expression"] * 3
    expected = [
        (locate(path, "when: __import__('os').system('x')")[0], ("exclusions", 0, "when"), "__import__"),
        (locate(path, "when: inspections.__class__ == 0")[0], ("exclusions", 1, "when"), "Attribute"),
        (locate(path, "when: inspections ** 9999999 == 0")[0], ("exclusions", 2, "when"), "Pow"),
    ]
    for p, (line, ypath, word) in zip(problems, expected, strict=True):
        assert (p.line, p.path) == (line, ypath)
        assert word in p.message


def test_python_object_tag_pack_is_refused() -> None:
    """A pack whose id carries a !!python/object tag is refused with yaml-tag at the tag's line, not loaded."""
    path = BAD / "python_object_tag.yaml"
    compiled, problems = validate_pack_text(path.read_text(encoding="utf-8"), str(path))
    assert compiled is None
    assert [(p.code, p.line) for p in problems] == [("yaml-tag", locate(path, "!!python/object")[0])]


def test_expression_suggestion_is_given_once() -> None:
    """The did-you-mean of an unknown expression name appears exactly once in the rendered problem."""
    (p,) = problems_of(BAD / "expression_unknown_name.yaml")
    assert p.render().count("did you mean") == 1, p.render()


def test_type_error_in_expression_names_both_types() -> None:
    """Ordering a text value against a number is refused at load time, naming str and number."""
    (p,) = problems_of(BAD / "expression_type_error.yaml")
    assert "str" in p.message
    assert "number" in p.message
    assert "agreement_end_reason > 3" in p.message


def test_unknown_fact_does_not_claim_the_rule_is_unknown() -> None:
    """A rule whose fact is unknown still exists: no 'unknown rule' problem is reported for it."""
    problems = problems_of(BAD / "unknown_fact_in_rule.yaml")
    assert [p.code for p in problems if p.code == "unknown-rule"] == [], [p.render() for p in problems]


def test_union_member_names_do_not_leak_into_paths() -> None:
    """A typo in a measure's parameter range is reported at params.audits.unt, not at pydantic's union tags."""
    path = BAD / "measure_param_typo.yaml"
    problems = problems_of(path)
    union_tags = {"bool", "decimal", "str", "ParamRange"}
    assert all(not (union_tags & {str(part) for part in p.path}) for p in problems), [p.render() for p in problems]
    unknown = [p for p in problems if p.code == "schema-extra-forbidden"]
    assert len(unknown) == 1
    assert unknown[0].path == ("measures", 0, "params", "audits", "unt")
    assert unknown[0].suggestion == "unit"


def test_suggestion_inside_a_band_set_named_like_a_field() -> None:
    """A typo inside a band set suggests the BandSet field even when the set is named 'bands'."""
    problems = problems_of(BAD / "bandset_named_bands.yaml")
    unknown = [p for p in problems if p.code == "schema-extra-forbidden"]
    assert len(unknown) == 1
    assert unknown[0].path == ("bands", "bands", "cyte")
    assert unknown[0].suggestion == "cite", unknown[0].render()


# --------------------------------------------------------------------- collecting and ranking


def test_three_distinct_errors_give_three_problems_in_line_order() -> None:
    """All problems are collected, not just the first: three defects give three errors, sorted by line."""
    path = BAD / "three_errors.yaml"
    problems = problems_of(path)
    assert [p.code for p in problems] == ["unknown-record-kind", "expression", "quote-not-in-article"]
    assert [p.line for p in problems] == [
        locate(path, "intervew")[0],
        locate(path, "when: inspection == 0")[0],
        locate(path, "扣50分")[0],
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert all(p.level == "error" for p in problems)
    assert [p.suggestion for p in problems] == ["interview", "inspections", None]


def test_three_schema_errors_are_all_reported_in_line_order() -> None:
    """Shape errors (impossible date, unknown key, misspelled field) are collected together and ranked by line."""
    text = (
        MINIMAL.read_text(encoding="utf-8")
        .replace("per_occurrence: 5", "per_ocurrence: 5")
        .replace("exclusions:\n", "exclusion:\n")
        .replace("issued: 2022-12-28", "issued: 2023-02-30")
    )
    compiled, problems = validate_pack_text(text, "schema3.yaml")
    assert compiled is None
    lines = text.splitlines()

    def line(needle: str) -> int:
        return next(i for i, x in enumerate(lines, start=1) if needle in x)

    assert [p.line for p in problems] == [line("issued: 2023-02-30"), line("exclusion:"), line("per_ocurrence")]
    assert [p.suggestion for p in problems] == [None, "exclusions", "per_occurrence"]


def test_errors_are_ranked_before_warnings() -> None:
    """Whatever order checks find them in, the loader's ranking puts errors first, then line order."""
    from medcredit.diagnostics.problems import rank

    warn = Problem(code="w", message="a warning", level="warning", file="p.yaml", line=1)
    err_late = Problem(code="e", message="late", file="p.yaml", line=40)
    err_early = Problem(code="e", message="early", file="p.yaml", line=2)
    assert rank([warn, err_late, err_early]) == [err_early, err_late, warn]


def test_billion_laughs_pack_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """An alias-bomb pack is refused with one too-large problem, visiting only its unique nodes.

    The work is bounded, not timed: the expansion is counted over the shared node graph,
    so the converter never starts on the 10^9 expanded nodes.
    """
    from medcredit.io import yamlload

    visited = 0
    real = yamlload._Converter.convert

    def counting(self: yamlload._Converter, node: Any, path: Any) -> Any:
        nonlocal visited
        visited += 1
        return real(self, node, path)

    monkeypatch.setattr(yamlload._Converter, "convert", counting)
    problems = problems_of(BAD / "billion_laughs.yaml")
    assert [p.code for p in problems] == ["too-large"]
    assert visited == 0


# --------------------------------------------------------------------- load_pack and errors


def test_load_pack_raises_pack_error_with_every_problem() -> None:
    """``load_pack`` on a bad file raises PackError carrying all the ranked problems in its message."""
    path = BAD / "three_errors.yaml"
    with pytest.raises(PackError) as info:
        load_pack(path)
    exc = info.value
    assert len(exc.problems) == 3
    text = str(exc)
    assert text.splitlines()[0].endswith("the pack is invalid")
    for p in exc.problems:
        assert p.render() in text


def test_load_pack_unknown_name_suggests_the_nearest() -> None:
    """An unknown bundled pack name raises PackNotFoundError with a did-you-mean."""
    with pytest.raises(PackNotFoundError) as info:
        load_pack("wushn")
    assert "did you mean 'wushan'?" in str(info.value)


def test_load_pack_missing_file_is_pack_not_found(tmp_path: Path) -> None:
    """A path to a missing .yaml file raises PackNotFoundError naming the file."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PackNotFoundError) as info:
        load_pack(missing)
    assert str(missing) in str(info.value)


def test_exception_hierarchy() -> None:
    """PackError ⊂ ProblemsError ⊂ MedcreditError; HistoryError ⊂ ProblemsError; ExpressionError ⊂ MedcreditError."""
    assert issubclass(PackError, ProblemsError)
    assert issubclass(ProblemsError, MedcreditError)
    assert issubclass(HistoryError, ProblemsError)
    assert issubclass(ExpressionError, MedcreditError)
    assert not issubclass(ExpressionError, ProblemsError)
    assert issubclass(PackNotFoundError, MedcreditError)
    assert issubclass(MedcreditError, Exception)
    # and the public API exports them
    assert medcredit.PackError is PackError
    assert medcredit.HistoryError is HistoryError
    assert medcredit.ExpressionError is ExpressionError


def test_pack_error_is_catchable_as_medcredit_error() -> None:
    """A caller catching MedcreditError also catches a bad pack."""
    with pytest.raises(MedcreditError):
        load_pack(BAD / "unknown_record_kind.yaml")


# --------------------------------------------------------------------- the live bundled pack, broken in memory


def _break_wushan(old: str, new: str) -> tuple[str, int]:
    text = WUSHAN.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    broken = text.replace(old, new)
    line = next(i for i, x in enumerate(broken.splitlines(), start=1) if new.strip() in x)
    return broken, line


def test_wushan_with_misspelled_top_level_key() -> None:
    """A copy of the bundled pack with ``exclusion:`` gets the suggestion 'exclusions' at that line."""
    text, line = _break_wushan("\nexclusions:\n", "\nexclusion:\n")
    compiled, problems = validate_pack_text(text, "wushan-copy.yaml")
    assert compiled is None
    (p,) = problems
    assert (p.line, p.column, p.suggestion) == (line, 1, "exclusions")


def test_wushan_with_altered_quote() -> None:
    """Changing a quoted number in the bundled pack gives quote-not-in-article at that quote's line."""
    text, line = _break_wushan(
        "quote: 被医疗保障部门约谈的，约谈一次扣5分。", "quote: 被医疗保障部门约谈的，约谈一次扣6分。"
    )
    compiled, problems = validate_pack_text(text, "wushan-copy.yaml")
    assert compiled is None
    assert [(p.code, p.line) for p in problems] == [("quote-not-in-article", line)]


def test_wushan_with_misspelled_record_kind() -> None:
    """A copy of the bundled pack with kind ``intervew`` gets unknown-record-kind and the suggestion 'interview'."""
    text, line = _break_wushan("match: {kinds: [interview]}", "match: {kinds: [intervew]}")
    compiled, problems = validate_pack_text(text, "wushan-copy.yaml")
    assert compiled is None
    assert [(p.code, p.line, p.suggestion) for p in problems] == [("unknown-record-kind", line, "interview")]
