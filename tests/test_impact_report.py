"""The diff report reads beside the law: driving rules' clauses, round chart ticks, legend clear of the bars."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

import medcredit
from medcredit.analysis.impact_html import nice_ticks
from medcredit.cli.main import main
from medcredit.render.pack_html import render_pack_html

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("top", "step", "axis"), [(1, 1, 1), (4, 1, 4), (7, 2, 8), (11, 2, 12), (37, 10, 40), (1234, 500, 1500)]
)
def test_ticks_at_round_numbers(top: int, step: int, axis: int) -> None:
    """Ticks step by 1, 2 or 5 times a power of ten and the axis ends on a tick at or above the data."""
    assert nice_ticks(top) == (step, axis)


@pytest.fixture
def changed_pack(tmp_path: Path) -> Path:
    """Wushan with 约谈一次扣15分 instead of 扣5分 (the quote no longer matches: this is what a diff shows)."""
    text = resources.files("medcredit").joinpath("packs/wushan.yaml").read_text("utf-8")
    old = "    fact: interviews\n    per_occurrence: 5"
    assert text.count(old) == 1
    path = tmp_path / "new.yaml"
    path.write_text(text.replace(old, "    fact: interviews\n    per_occurrence: 15"), encoding="utf-8")
    return path


def _diff(changed_pack: Path, *extra: str) -> list[str]:
    population = str(EXAMPLES / "wushan-subjects.jsonl")
    return ["diff", "wushan", str(changed_pack), "--population", population, "--cycle", "2023", *extra]


def test_drivers_carry_the_clause_they_quote(changed_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The interview rule drove the change; its clause 附件 一（二） is shown in text, JSON and HTML alike."""
    clause = "被医疗保障部门约谈的，约谈一次扣5分。"
    assert main(_diff(changed_pack)) == 0
    assert f"rule interview: 【附件】{clause}" in capsys.readouterr().out
    assert main(_diff(changed_pack, "--format", "json")) == 0
    drivers = json.loads(capsys.readouterr().out)["drivers"]
    interview = next(d for d in drivers if d["ref"] == "interview")
    assert interview["cite"] == {"article": "附件", "quote": clause}
    html = changed_pack.with_suffix(".html")
    assert main(_diff(changed_pack, "--html", str(html))) == 0
    page = html.read_text(encoding="utf-8")
    # the article links to its anchor on the rendered pack page (the same anchor the page gives it)
    link = re.search(r'<a class="article" href="([^"]+)"[^>]*>【附件】</a><q lang="zh-CN">(.+?)</q>', page)
    assert link is not None and link.group(2) == clause
    target, _, anchor = link.group(1).partition("#")
    assert target == "wushan.html"
    rendered = render_pack_html(medcredit.load_pack("wushan").model, "zh")
    assert f'<section class="article implemented" id="{anchor}"' in rendered and anchor == "附件"


def test_legend_is_below_the_bars(changed_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The legend's boxes sit below the x axis, so they never cover a bar or its count."""
    import re

    html = changed_pack.with_suffix(".html")
    assert main(_diff(changed_pack, "--html", str(html))) == 0
    svg = html.read_text(encoding="utf-8").split("<svg", 1)[1].split("</svg>", 1)[0]
    axis = r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="\1" stroke="#444"'
    axis_y = max(float(y) for y in re.findall(axis, svg))
    legend_y = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="12" height="12"', svg)]
    assert len(legend_y) == 2 and min(legend_y) > axis_y + 30


def test_examples_show_subject_names(changed_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Where the population names its subjects (examples/wushan-subjects.jsonl does), the report shows them."""
    first = json.loads((EXAMPLES / "wushan-subjects.jsonl").read_text(encoding="utf-8").splitlines()[2])
    assert main(_diff(changed_pack, "--format", "json")) == 0
    examples = [e for t in json.loads(capsys.readouterr().out)["transitions"] for e in t["examples"]]
    named = {e["subject"]: e["name"] for e in examples}
    assert named[first["id"]] == first["name"]
    assert main(_diff(changed_pack)) == 0
    assert f"{first['id']} {first['name']}" in capsys.readouterr().out


def test_chinese_report(changed_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--lang zh`: the report's own words in Chinese (text and HTML); ids, outcomes and quotes unchanged."""
    html = changed_pack.with_suffix(".html")
    assert main(_diff(changed_pack, "--lang", "zh", "--html", str(html))) == 0
    text = capsys.readouterr().out
    assert text.startswith("政策包变更影响：") and "转移矩阵（行：原政策包，列：新政策包）" in text
    assert "所依据的条文" in text and "rule interview: 【附件】被医疗保障部门约谈的，约谈一次扣5分。" in text
    page = html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for heading in ("结果分布", "转移矩阵", "变化原因", "政策包差异", "示例主体"):
        assert f"<h2>{heading}</h2>" in page
    assert main(_diff(changed_pack)) == 0
    assert capsys.readouterr().out.startswith("impact of ")  # English stays the default


def test_pack_pages_option_prefixes_the_clause_links(changed_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--pack-pages ../packs/`: the report sits elsewhere than the pack pages (as in the docs site)."""
    html = changed_pack.with_suffix(".html")
    assert main(_diff(changed_pack, "--html", str(html), "--pack-pages", "../packs/")) == 0
    capsys.readouterr()
    page = html.read_text(encoding="utf-8")
    assert '<a class="article" href="../packs/wushan.html#附件"' in page
