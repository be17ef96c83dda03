"""The diff report example of the docs site (docs/reports/) is what the code and the bundled pack give today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medcredit.analysis.report_example import POPULATION, example_impact, write_diff_example
from medcredit.cli.main import main
from medcredit.diagnostics.problems import Problem

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_committed_example_is_up_to_date(tmp_path: Path) -> None:
    """Regenerated from scratch, every file equals the committed one (run `medcredit docs docs` if not)."""
    for path in write_diff_example(tmp_path, ROOT / POPULATION):
        committed = DOCS / path.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), committed


def test_example_shows_the_change_it_describes() -> None:
    """约谈一次扣5分 → 15分: only subjects with interviews can move, and the interview rule drives every move."""
    impact = example_impact(ROOT / POPULATION)
    assert impact.changed > 0 and impact.improved == 0
    assert {d.ref for d in impact.drivers} == {"interview"}
    assert impact.drivers[0].cite == ("附件", "被医疗保障部门约谈的，约谈一次扣5分。")


@pytest.mark.parametrize(("name", "lang"), [("diff-example.html", "zh-CN"), ("diff-example.en.html", "en")])
def test_reports_in_both_languages_link_to_the_pack_page(name: str, lang: str) -> None:
    """Each report is in its language, and its clause links open an article that the rendered pack page has."""
    page = (DOCS / "reports" / name).read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    links = re.findall(r'<a class="article" href="\.\./packs/([a-z]+\.html)#([^"]+)"', page)
    assert links
    for target, anchor in links:
        pack_page = (DOCS / "packs" / target).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in pack_page, (target, anchor)
    if lang == "zh-CN":
        assert "转移矩阵" in page and "示例主体" in page
    else:
        assert "Transition matrix" in page and "example subject" in page


def test_reports_page_is_in_the_site_nav() -> None:
    assert "reports/index.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_a_population_in_gbk_gives_the_same_pages(tmp_path: Path) -> None:
    """The population is read as evaluate reads a history: a GBK copy is detected (with the warning), not a
    UnicodeDecodeError, and the pages name the population as the report does, not the path it was read from."""
    population = tmp_path / "population.jsonl"
    population.write_bytes((ROOT / POPULATION).read_text(encoding="utf-8").encode("gbk"))
    warnings: list[Problem] = []
    out = tmp_path / "out"
    for path in write_diff_example(out, population, on_warning=warnings.append):
        committed = DOCS / path.relative_to(out)
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), committed
    assert [w.code for w in warnings] == ["encoding-used"]


def test_docs_reports_rejected_population_lines_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A rejected population line used to be dropped without a word, and docs exited 0."""
    lines = (ROOT / POPULATION).read_text(encoding="utf-8").splitlines(keepends=True)
    population = tmp_path / "population.jsonl"
    population.write_text("".join([*lines[:3], "{bad\n", *lines[3:]]), encoding="utf-8")
    args = ["docs", str(tmp_path / "docs"), "--schemas", str(tmp_path / "schemas"), "--population", str(population)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{population}:4:2: [error] malformed JSON" in err
    assert "leaves out 1 subjects" in err and "Traceback" not in err
    assert (tmp_path / "docs" / "reports" / "diff-example.html").is_file()
