"""A pack's lists of ids and names refuse repeated entries, and citations refuse blank quotes (pack.repeats,
pack.compiled): each is a located problem, as every other pack problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from medcredit.cli.main import main
from medcredit.diagnostics.errors import PackError
from medcredit.diagnostics.problems import Problem, format_path
from medcredit.pack.loader import bundled_pack_names, load_pack, read_pack_source, validate_pack_text

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "minimal_pack.yaml"


def _errors(text: str, file: str = "pack.yaml") -> list[Problem]:
    compiled, problems = validate_pack_text(text, file)
    assert compiled is None, "the pack unexpectedly validated"
    return [p for p in problems if p.level == "error"]


def test_rule_listed_twice_in_a_path_is_refused_where_it_repeats(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace("rules: [interview]", "rules: [interview, interview]")
    pack = tmp_path / "twice.yaml"
    pack.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(pack)
    (problem,) = caught.value.problems
    assert problem.code == "duplicate-entry"
    assert format_path(problem.path) == "paths[0].rules[1]"
    line = next(i for i, s in enumerate(text.splitlines(), start=1) if "rules: [interview, interview]" in s)
    assert (problem.line, problem.column) == (line, text.splitlines()[line - 1].rindex("interview") + 1)
    assert "'interview'" in problem.message and "index 0" in problem.message


def test_validate_and_check_exit_1_on_a_repeated_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace("rules: [interview]", "rules: [interview, interview]")
    pack = tmp_path / "twice.yaml"
    pack.write_text(text, encoding="utf-8")
    for command in ("validate", "check"):
        assert main([command, str(pack)]) == 1
        out, _ = capsys.readouterr()
        assert re.search(r"twice\.yaml:\d+:\d+: .*error.*'interview' is listed twice.*duplicate-entry", out)


class _NoAliases(yaml.SafeDumper):
    """Writes a list shared through a YAML anchor out in full at each place, so each can be changed alone."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _unshared(text: str) -> object:
    return yaml.safe_load(yaml.dump(yaml.safe_load(text), Dumper=_NoAliases, allow_unicode=True))


def _string_lists(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Paths of every non-empty list of strings in loaded YAML."""
    found: list[tuple[str | int, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _string_lists(item, (*path, str(key)))
    elif isinstance(value, list):
        if value and all(isinstance(x, str) for x in value):
            found.append(path)
        else:
            for i, item in enumerate(value):
                found += _string_lists(item, (*path, i))
    return found


def _shape(path: tuple[str | int, ...]) -> tuple[str, ...]:
    return tuple("[]" if isinstance(p, int) else p for p in path)


def _lookup(data: object, path: tuple[str | int, ...]) -> list[str]:
    for part in path:
        data = data[part]  # type: ignore[index]
    assert isinstance(data, list)
    return data


@pytest.mark.parametrize("name", bundled_pack_names())
def test_every_kind_of_list_in_a_bundled_pack_refuses_a_repeat(name: str) -> None:
    """One list of each shape (rules of a path, grades of a measure, kinds of a fact, channels...): its first
    entry repeated at its end gives exactly one duplicate-entry problem, at the repeat."""
    text = read_pack_source(name).text
    data = yaml.safe_load(text)
    shapes: dict[tuple[str, ...], tuple[str | int, ...]] = {}
    for path in _string_lists(data):
        shapes.setdefault(_shape(path), path)
    assert len(shapes) >= 8, sorted(shapes)
    for path in shapes.values():
        broken = _unshared(text)
        entries = _lookup(broken, path)
        entries.append(entries[0])
        problems = _errors(yaml.safe_dump(broken, allow_unicode=True, sort_keys=False))
        repeats = [p for p in problems if p.code == "duplicate-entry"]
        assert [format_path(p.path) for p in repeats] == [format_path((*path, len(entries) - 1))], problems


def test_repeated_measure_grade_and_categories_are_refused() -> None:
    data = yaml.safe_load(read_pack_source("wushan").text)
    measure = next(m for m in data["measures"] if m.get("grades"))
    measure["grades"].append(measure["grades"][0])
    data["categories"].append(data["categories"][0])
    codes = sorted(format_path(p.path) for p in _errors(yaml.safe_dump(data, allow_unicode=True)))
    index = data["measures"].index(measure)
    assert f"measures[{index}].grades[{len(measure['grades']) - 1}]" in codes
    assert f"categories[{len(data['categories']) - 1}]" in codes


@pytest.mark.parametrize("key", ["linked_consequences", "prior", "roll_up"])
def test_repeated_linked_consequence_prior_and_roll_up_are_refused(key: str) -> None:
    """Lists of objects named by an id (or, for roll_up, a category) refuse a second one of the same name."""
    if key == "prior":  # no bundled pack has one
        data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
        data["prior"] = [{"id": "last_grade", "grade_back": 1, "doc": {"zh": "上一周期等级"}}]
    else:
        name = next(n for n in bundled_pack_names() if yaml.safe_load(read_pack_source(n).text).get(key))
        data = yaml.safe_load(read_pack_source(name).text)
    data[key].append(data[key][0])
    problems = _errors(yaml.safe_dump(data, allow_unicode=True))
    assert any(format_path(p.path).startswith(f"{key}[{len(data[key]) - 1}]") for p in problems), problems


@pytest.mark.parametrize("quote", [" ", "\u3000", "\t\n", "\u3000 \u00a0"])
def test_blank_quote_is_refused_at_the_quote(quote: str) -> None:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data["rules"][0]["cite"]["quote"] = quote
    (problem,) = _errors(yaml.safe_dump(data, allow_unicode=True))
    assert problem.code == "quote-blank"
    assert format_path(problem.path) == "rules[0].cite.quote"
    assert problem.line > 1
