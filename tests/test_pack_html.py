"""A pack rendered beside its law (`medcredit render PACK --html OUT`).

The expectations come from the pack's own data (its registered articles, its
citations, its reasons) and from the law's words, never from the renderer:
the page is parsed back with :mod:`html.parser` and compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.main import main
from medcredit.pack.coverage import citations
from medcredit.pack.loader import bundled_pack_names
from medcredit.render.pack_html import render_pack_html
from medcredit.render.pack_view import Lang, Span, interpretation_articles, locate, merge_spans

ROOT = Path(__file__).resolve().parents[1]
PACKS = bundled_pack_names()


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Section:
    id: str
    status: str
    text: str = ""
    marks: list[str] = field(default_factory=list)
    mark_refs: list[list[str]] = field(default_factory=list)
    element_ids: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


class PageParser(HTMLParser):
    """Collects, per article section: its text (without the reference numbers), marks, elements and reasons."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[Section] = []
        self.ids: list[str] = []
        self.external: list[str] = []
        self.tags: set[str] = set()
        self._stack: list[tuple[str, str]] = []  # (tag, role)

    def _role(self) -> str:
        for _tag, role in reversed(self._stack):
            if role:
                return role
        return ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("src", "href"):
            if re.match(r"^(https?:)?//", a.get(key, "")):
                self.external.append(a[key])
        role = ""
        classes = a.get("class", "").split()
        if tag == "section" and "article" in classes:
            self.sections.append(Section(a["id"], a["data-status"]))
        elif tag == "p" and "article-text" in classes:
            role = "text"
        elif tag == "mark" and self._role() == "text":
            role = "mark"
            self.sections[-1].marks.append("")
            self.sections[-1].mark_refs.append(a["data-refs"].split())
        elif tag == "sup":
            role = "sup"
        elif tag == "div" and "element" in classes:
            self.sections[-1].element_ids.append(a["id"])
        elif tag == "p" and "reason" in classes:
            role = "reason"
            self.sections[-1].reasons.append("")
        self._stack.append((tag, role))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        role = self._role()
        if role in ("text", "mark"):
            self.sections[-1].text += data
        if role == "mark":
            self.sections[-1].marks[-1] += data
        if role == "reason":
            self.sections[-1].reasons[-1] += data


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module", params=PACKS)
def rendered(request: pytest.FixtureRequest) -> tuple[medcredit.CompiledPack, PageParser]:
    pack = medcredit.load_pack(request.param)
    return pack, parse(render_pack_html(pack.model))


def test_every_article_in_document_order_with_its_full_text(
    rendered: tuple[medcredit.CompiledPack, PageParser],
) -> None:
    """One section per registered article, in the document's order, showing the article's whole text."""
    pack, page = rendered
    articles = pack.model.document.articles
    assert [s.id for s in page.sections] == list(articles)
    for s in page.sections:
        assert s.text == articles[s.id], s.id


def test_every_quote_is_highlighted_inside_its_article(rendered: tuple[medcredit.CompiledPack, PageParser]) -> None:
    """Each citation's quote lies inside one <mark> of the article it cites, and that mark links to the element."""
    pack, page = rendered
    by_id = {s.id: s for s in page.sections}
    for kind, ident, cite in citations(pack.model):
        section = by_id[cite.article]
        hits = [i for i, m in enumerate(section.marks) if compact(cite.quote) in compact(m)]
        assert hits, f"{kind} {ident}: quote not highlighted in {cite.article}"
        refs = {r for i in hits for r in section.mark_refs[i]}
        assert any(r == f"{kind}-{ident}" or r.startswith(f"{kind}-{ident}-") for r in refs), (kind, ident)
        assert any(e == f"{kind}-{ident}" or e.startswith(f"{kind}-{ident}-") for e in section.element_ids)


def test_every_article_is_implemented_or_marked_with_its_reason(
    rendered: tuple[medcredit.CompiledPack, PageParser],
) -> None:
    """An article nothing implements shows the pack's reason (pack.non_executable); none is left unexplained."""
    pack, page = rendered
    for s in page.sections:
        reason = pack.model.non_executable.get(s.id)
        if s.element_ids:
            assert s.status == "implemented"
        else:
            assert s.status == "non-executable", f"{s.id} is neither implemented nor marked"
            assert reason is not None
            assert any(reason in r for r in s.reasons), s.id


def test_anchors_are_unique_and_self_contained(rendered: tuple[medcredit.CompiledPack, PageParser]) -> None:
    """Ids are unique (stable links such as pack.html#第十九条); no scripts and nothing fetched from the network."""
    _pack, page = rendered
    assert len(page.ids) == len(set(page.ids))
    assert page.external == []
    assert not page.tags & {"script", "link", "img", "iframe"}


def test_wushan_page_shows_all_27_articles_and_the_annex() -> None:
    """巫山 办法 has 第一条 … 第二十七条 and the 附件 (信用评价计分标准), each on the page."""
    page = parse(render_pack_html(medcredit.load_pack("wushan").model))
    ids = [s.id for s in page.sections]
    assert len(ids) == 28 and ids[-1] == "附件" and ids[18] == "第十九条" and ids[26] == "第二十七条"
    annex = page.sections[-1]
    # 附件 一（二）："被医疗保障部门约谈的，约谈一次扣5分。" is the interview rule's quote
    assert any("约谈一次扣5分" in m for m in annex.marks)
    assert "rule-interview" in annex.element_ids
    # 第十九条 (exclusions): "评价年度内营业时间不足6个月的" is implemented, not merely explained
    nineteen = page.sections[18]
    assert nineteen.status == "implemented" and any("不足6个月" in m for m in nineteen.marks)
    # 第一条 states the measures' purpose: nothing executable, and the page says why
    assert page.sections[0].status == "non-executable"
    assert page.sections[0].reasons


def test_interpretations_show_question_and_decision_beside_their_article() -> None:
    """Wushan's reading of 附件 一（三） (suspension once per cycle) appears with the 附件, question and decision."""
    pack = medcredit.load_pack("wushan").model
    html = render_pack_html(pack)
    annex = html[html.index('id="附件"') :]
    interp = next(i for i in pack.interpretations if i.id == "suspension_once")
    assert 'id="interp-suspension_once"' in annex
    assert interp.question in annex and interp.decision in annex


def test_english_page_translates_the_frame_not_the_law() -> None:
    """With lang=en the page's own words are English; the law's text stays Chinese."""
    pack = medcredit.load_pack("wushan").model
    html = render_pack_html(pack, "en")
    assert '<html lang="en">' in html
    assert "Implemented by" in html and "Nothing executable" in html
    assert pack.name.en is not None and pack.name.en in html
    assert pack.document.articles["第十九条"][:20] in html


def test_phone_and_print_layouts() -> None:
    """The page declares a viewport and has a narrow-screen layout and a print stylesheet."""
    html = render_pack_html(medcredit.load_pack("wushan").model)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media (max-width:" in html and "@media print" in html


def test_locate_ignores_white_space_like_the_loader() -> None:
    """Seeds break lines mid-sentence; a quote without the break is still found, on the original characters."""
    text = "第一句。被约谈的，\n  每次扣10分；其余。"
    start, end = locate("被约谈的，每次扣10分；", text) or (0, 0)
    assert text[start:end] == "被约谈的，\n  每次扣10分；"
    assert locate("没有的话", text) is None


def test_overlapping_quotes_merge_into_one_mark_naming_both() -> None:
    """HTML marks cannot overlap; two overlapping quotes become one mark linking to both elements."""
    merged = merge_spans([Span(5, 10, ("b",)), Span(0, 6, ("a",)), Span(12, 14, ("c",))])
    assert merged == [Span(0, 10, ("a", "b")), Span(12, 14, ("c",))]


def test_interpretation_clauses_attach_to_the_longest_registered_article() -> None:
    """'第十六条、第十八条（一）' reads two articles; '附件 一（二）' reads the 附件; '文号' reads none."""
    arts = ["第一条", "第十六条", "第十八条", "附件", "三", "三（一）"]
    assert interpretation_articles("第十六条、第十八条（一）", arts) == ["第十六条", "第十八条"]
    assert interpretation_articles("附件 一（二）", arts) == ["附件"]
    assert interpretation_articles("三（一）至（三）", arts) == ["三（一）"]
    assert interpretation_articles("文号、落款", arts) == []


def test_cli_render_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`medcredit render wushan --html OUT --lang en` writes the page; an unknown pack is a usage error."""
    out = tmp_path / "wushan.html"
    assert main(["render", "wushan", "--html", str(out), "--lang", "en"]) == 0
    assert out.read_text(encoding="utf-8") == render_pack_html(medcredit.load_pack("wushan").model, "en")
    assert main(["render", "wushsn", "--html", str(out)]) == 2
    assert "did you mean 'wushan'" in capsys.readouterr().err


@pytest.mark.parametrize("name", PACKS)
def test_docs_site_pages_are_up_to_date(name: str) -> None:
    """docs/packs/NAME.html (zh) and NAME.en.html equal what `medcredit docs` renders now (no drift)."""
    model = medcredit.load_pack(name).model
    pages: tuple[tuple[str, Lang], ...] = ((".html", "zh"), (".en.html", "en"))
    for suffix, lang in pages:
        page = (ROOT / "docs" / "packs" / f"{name}{suffix}").read_text(encoding="utf-8")
        assert page == render_pack_html(model, lang), "run `medcredit docs docs` and commit the result"


def test_docs_site_index_is_up_to_date() -> None:
    """docs/packs/index.md lists every bundled pack's pages (no drift)."""
    from medcredit.authoring.docgen import packs_index_markdown

    assert (ROOT / "docs" / "packs" / "index.md").read_text(encoding="utf-8") == packs_index_markdown()
