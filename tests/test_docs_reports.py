"""The diff report example of the docs site (docs/reports/) is what the code and the bundled pack give today."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from medcredit.analysis.report_example import POPULATION, example_impact, write_diff_example

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
