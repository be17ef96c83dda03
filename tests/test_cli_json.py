"""`--format json` on every command that prints results: sorted keys, stable bytes, documented keys, and
links from check problems and deadlines to the article's anchor on the rendered pack page.

The keys each command prints are compared with the tables of docs/reference/json-output.md, so the
documentation cannot drift from the output.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import medcredit
from medcredit.cli.main import main
from medcredit.render.pack_html import render_pack_html
from test_in_force_and_sanctions import PERSON

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reference" / "json-output.md"

#: a Liaoning pharmacy with one administrative penalty (辽医保规〔2023〕3号 第三十一条: repairable after 6 months)
PENALISED = {
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


def documented() -> dict[str, set[str]]:
    """Section heading (``medcredit deadline --list --format json``) → the keys its table lists."""
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## `(medcredit [^`]+)`", line)
        if heading:
            current = sections.setdefault(heading.group(1), set())
        elif current is not None and (row := re.match(r"\| `([^`]+)` \|", line)):
            current.add(row.group(1))
    return sections


def printed_keys(body: Any) -> set[str]:
    """The keys of the object (or of a list's first object), with ``list[].key`` for lists of objects in it."""
    first = body[0] if isinstance(body, list) else body
    keys = set(first)
    for key, value in first.items():
        if (
            isinstance(value, list)
            and value
            and isinstance(value[0], dict)
            and key in ("cases", "conditions", "properties")
        ):
            keys |= {f"{key}[].{inner}" for inner in value[0]}
    return keys


DEADLINE = ["deadline", "--pack", "liaoning", "objection_verification", "2023-05-05", "--format", "json"]
LIST = ["deadline", "--pack", "liaoning", "--list", "--format", "json"]


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> Any:
    assert main(argv) == code
    out = capsys.readouterr().out
    body = json.loads(out)
    # sorted keys and one fixed layout: the printed bytes are the canonical form of the value
    assert out == json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return body


@pytest.fixture
def histories(tmp_path: Path) -> dict[str, Path]:
    penalised = tmp_path / "penalised.json"
    penalised.write_text(json.dumps(PENALISED), encoding="utf-8")
    person = tmp_path / "person.json"
    person.write_text(json.dumps(PERSON, ensure_ascii=False), encoding="utf-8")
    return {"penalised": penalised, "person": person}


@pytest.fixture
def five_points_to_ten(tmp_path: Path) -> Path:
    """Wushan with 约谈一次扣10分 in the parameters while the quote still says 约谈一次扣5分."""
    text = resources.files("medcredit").joinpath("packs/wushan.yaml").read_text("utf-8")
    old = "    fact: interviews\n    per_occurrence: 5"
    assert text.count(old) == 1
    path = tmp_path / "wushan-10.yaml"
    path.write_text(text.replace(old, "    fact: interviews\n    per_occurrence: 10"), encoding="utf-8")
    return path


def test_every_result_command_prints_documented_sorted_json(
    capsys: pytest.CaptureFixture[str], histories: dict[str, Path], five_points_to_ten: Path
) -> None:
    """validate, check, test, deadline (one, chain, list), repair, standing, in-force, sanctions, compare."""
    cases_file = str(ROOT / "tests" / "packs" / "wushan" / "boundaries.cases.yaml")
    penalised, person = str(histories["penalised"]), str(histories["person"])
    repair = ["repair", "--pack", "liaoning", "--record", "P1", "--on", "2023-11-11", "--format", "json", penalised]
    runs: dict[str, tuple[list[str], int]] = {
        "medcredit validate --format json": (["validate", "wushan", "--format", "json"], 0),
        "medcredit check --format json": (["check", str(five_points_to_ten), "--format", "json"], 0),
        "medcredit test --format json": (["test", cases_file, "--format", "json"], 0),
        "medcredit deadline --format json": (
            DEADLINE,
            0,
        ),
        "medcredit deadline --list --format json": (
            LIST,
            0,
        ),
        # the declarations are not given, so the route is not (yet) open: exit 1, same JSON shape
        "medcredit repair --format json": (repair, 1),
        "medcredit standing": (["standing", "--pack", "liaoning", "--as-of", "2023-12-31", penalised], 0),
        "medcredit in-force --format json": (["in-force", "--pack", "wushan", "2023-06-01", "--format", "json"], 0),
        "medcredit sanctions --format json": (
            ["sanctions", "--pack", "zhongmou", "--on", "2027-01-01", "--format", "json", person],
            0,
        ),
        "medcredit compare --format json": (["compare", "--cycle", "2023", "--format", "json", penalised], 0),
        "medcredit properties --format json": (
            ["properties", "wushan", "--property", "record_order", "--format", "json", "--seed", "1"],
            0,
        ),
    }
    docs = documented()
    assert set(runs) <= set(docs), set(runs) - set(docs)
    for section, (argv, code) in runs.items():
        body = run_json(capsys, argv, code)
        assert printed_keys(body) == docs[section], section


def test_chain_is_a_list_of_single_answers(capsys: pytest.CaptureFixture[str]) -> None:
    """`--chain`: the deadline and the ones that follow it, each shaped like the single answer (第二十七条)."""
    one = run_json(capsys, DEADLINE)
    chain = run_json(
        capsys,
        [*DEADLINE, "--chain"],
    )
    assert chain[0] == one and len(chain) > 1 and all(set(a) == set(one) for a in chain)


def test_check_json_links_the_problem_to_its_article_on_the_pack_page(
    capsys: pytest.CaptureFixture[str], five_points_to_ten: Path
) -> None:
    """The quote–parameter warning on rule `interview` links to the article the rule cites, and the rendered
    page has exactly that anchor (the same function names both)."""
    problems = run_json(capsys, ["check", str(five_points_to_ten), "--format", "json", "--select", "quote-parameters"])
    on_interview = [p for p in problems if "rule 'interview'" in p["message"]]
    assert on_interview, problems
    rule = next(r for r in medcredit.load_pack("wushan").model.rules if r.id == "interview")
    page = render_pack_html(medcredit.load_pack("wushan").model, "zh")
    for p in on_interview:
        assert (p["pack"], p["article"]) == ("wushan", rule.cite.article)
        assert p["link"] == f"wushan.html#{rule.cite.article}"
        anchor = p["link"].partition("#")[2]
        assert re.search(rf'<section class="article [a-z-]+" id="{re.escape(anchor)}"', page)


def test_check_human_output_shows_the_link(capsys: pytest.CaptureFixture[str], five_points_to_ten: Path) -> None:
    """The readable format ends a problem's line with the same link as the JSON."""
    argv = ["check", str(five_points_to_ten), "--select", "quote-parameters"]
    links = {p["link"] for p in run_json(capsys, [*argv, "--format", "json"]) if p["code"] == "quote-parameters"}
    assert main(argv) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "[quote-parameters]" in line]
    assert lines and {line.rpartition(" → ")[2] for line in lines} == links


def test_check_json_link_is_null_without_an_article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pack that does not load has no page to link to: pack, article and link are null, not guessed."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nname: {zh: 坏}\n", encoding="utf-8")
    problems = run_json(capsys, ["check", str(broken), "--format", "json"], 1)
    assert problems and all((p["pack"], p["article"], p["link"]) == (None, None, None) for p in problems)


def test_deadline_json_links_its_article(capsys: pytest.CaptureFixture[str]) -> None:
    """辽宁 第二十七条 sets the objection deadlines; the answer and the list link to it on liaoning.html."""
    one = run_json(capsys, DEADLINE)
    assert one["link"] == f"liaoning.html#{one['article']}" and one["article"] == "第二十七条"
    listed = run_json(capsys, LIST)
    assert all(d["link"] == f"liaoning.html#{d['cite']['article']}" for d in listed)


def test_standing_text_form(capsys: pytest.CaptureFixture[str], histories: dict[str, Path]) -> None:
    """`standing --format text` says the same as the JSON: the penalty (record 0) is in force, no list."""
    argv = ["standing", "--pack", "liaoning", "--as-of", "2023-12-31", str(histories["penalised"])]
    body = run_json(capsys, argv)
    assert main([*argv, "--format", "text", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert f"{body['subject']} @ 2023-12-31 (liaoning)" in text
    assert "records in force (index): 0" in text and "on no list" in text
    assert body["records_in_force"] == [0] and body["listings"] == []


def test_properties_json_is_the_same_for_the_same_seed(capsys: pytest.CaptureFixture[str]) -> None:
    """No time in the JSON: two runs with one seed print the same bytes, and the property passed on Wushan."""
    argv = ["properties", "wushan", "--property", "record_order", "--format", "json", "--seed", "7"]
    first = run_json(capsys, argv)
    assert run_json(capsys, argv) == first
    assert first["ok"] and [p["id"] for p in first["properties"]] == ["record_order"]
    assert first["properties"][0]["checked"] > 0


def test_article_at_finds_the_innermost_citation() -> None:
    """A path into a rule's tier is the rule's article; into the articles registry, that article; the pack's
    metadata cites none."""
    from medcredit.io.yamlload import load_yaml
    from medcredit.render.links import article_at

    text = resources.files("medcredit").joinpath("packs/wushan.yaml").read_text("utf-8")
    data = load_yaml(text, "wushan.yaml").data
    model = medcredit.load_pack("wushan").model
    index, rule = next((i, r) for i, r in enumerate(model.rules) if r.tiers)
    assert article_at(data, ("rules", index, "tiers", 0)) == rule.cite.article
    assert article_at(data, ("rules", index)) == rule.cite.article
    assert article_at(data, ("document", "articles", "第十九条")) == "第十九条"
    assert article_at(data, ("id",)) is None
    assert article_at(data, ("rules", 10_000, "cite")) is None  # a path beyond the data is not guessed
