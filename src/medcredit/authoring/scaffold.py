"""A new pack starts from its own document: ``medcredit init SEED.txt --id NAME OUT.yaml``.

The document's text is split into its articles — ``第X条`` when it is numbered
that way (chapter headings dropped, a trailing ``附件`` kept as its own
article), otherwise its outline ``一、`` / ``（一）`` — and each article's text
is registered verbatim under ``document.articles``, so every later quote is
checked against the author's own source.  The metadata the text reveals
(document number, title, issuer, dates) is pre-filled and marked for
checking; the rest of the pack is left for the author, with the guide's
steps as comments.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_CN = "一二三四五六七八九十百零〇两"
_MARKUP = re.compile(r"^[\s*#>\-]*|[\s*#]*$")
_ARTICLE = re.compile(rf"^[\s*#]*(第[{_CN}]+条)[\s*]*(.*)$")
_CHAPTER = re.compile(rf"^[\s*#]*第[{_CN}]+[章节]")
_ANNEX = re.compile(rf"^[\s*#]*(附件\s*[0-9{_CN}]*)[\s*]*$")
_ANNEX_LIST = re.compile(r"^[\s*#]*附件\s*[0-9一二三四五六七八九十]*\s*[:：]")
_TOP = re.compile(rf"^[\s*#]*([{_CN}]+)、(.*)$")
_SUB = re.compile(rf"^[\s*#]*[（(]([{_CN}]+)[）)](.*)$")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISSUER = re.compile(r"[\u4e00-\u9fff]{2,30}(局|委员会|政府|厅|办公室)")
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}〔\d{4}〕\d+号")


def clean(text: str) -> str:
    """An article's text on one line: Markdown markup dropped, white space removed next to Chinese text."""
    lines = [_MARKUP.sub("", line) for line in text.splitlines()]
    joined = " ".join(line for line in lines if line)
    # keep the space between two Latin words, drop it wherever Chinese text or punctuation is involved
    return re.sub(r"\s+", lambda m: " " if _latin_around(joined, m.start(), m.end()) else "", joined).strip()


def _latin_around(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return before.isascii() and after.isascii() and before.isalnum() and after.isalnum()


def split_articles(text: str) -> dict[str, str]:
    """Article id → verbatim text, in document order (第X条 numbering, else the 一、（一） outline)."""
    lines = text.splitlines()
    if any(_ARTICLE.match(line) for line in lines):
        return _split_numbered(lines)
    return _split_outline(lines)


def _split_numbered(lines: list[str]) -> dict[str, str]:
    articles: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        if m := _ARTICLE.match(line):
            current = m.group(1)
            if current in articles:  # a second 第一条 (e.g. an annex numbered anew): keep both, apart
                current = f"{current}（{sum(k.startswith(current) for k in articles) + 1}）"
            articles[current] = [m.group(2)]
        elif current is not None and (_CHAPTER.match(line) or _ANNEX_LIST.match(line)):
            current = None  # headings and the list of attachments belong to no article
        elif (m := _ANNEX.match(line)) and articles:  # a standalone 附件 line after the articles
            current = re.sub(r"\s+", "", m.group(1))
            articles[current] = []
        elif current is not None:
            articles[current].append(line)
    return {k: t for k, v in articles.items() if (t := clean("\n".join(v)))}


def _split_outline(lines: list[str]) -> dict[str, str]:
    articles: dict[str, list[str]] = {}
    top: str | None = None
    current: str | None = None
    for line in lines:
        if m := _TOP.match(line):
            top = current = m.group(1)
            articles[current] = [line]
        elif top is not None and (m := _SUB.match(line)):
            current = f"{top}（{m.group(1)}）"
            articles[current] = [line]
        elif current is not None:
            articles[current].append(line)
    return {k: t for k, v in articles.items() if (t := clean("\n".join(v)))}


@dataclass(frozen=True)
class Guess:
    """Metadata read from the document's text; each value is only a guess for the author to check."""

    number: str | None
    title: str | None
    name: str | None
    issuer: str | None
    issued: dt.date | None
    effective: dt.date | None


def _date(m: re.Match[str] | None) -> dt.date | None:
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def guess_metadata(text: str) -> Guess:
    lines = [clean(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    found = next((m.group(0) for line in lines if (m := _NUMBER.search(line))), None)
    number = found.split("文件")[-1] if found else None  # "XX局文件XX〔2023〕3号": the letterhead is not the number
    first = next((i for i, line in enumerate(lines) if _ARTICLE.match(line) or _TOP.match(line)), len(lines))
    heading = [
        line
        for line in lines[:first]
        if not _CHAPTER.match(line) and len(line) <= 60 and not line.endswith(("：", "。", ":")) and line != number
    ]
    name = heading[-1] if heading else None
    bolds = [clean(b) for b in re.findall(r"\*\*(.+?)\*\*", text, re.S)]
    title = next((b for b in bolds if not _ARTICLE.match(b) and not _TOP.match(b) and len(b) > 6), name)
    issuer = next((line for line in lines if _ISSUER.fullmatch(line)), None)
    issued = _date(next((m for line in lines if (m := _DATE.fullmatch(line))), None))
    effective = _date(re.search(r"自\s*" + _DATE.pattern + r"\s*起", text)) or issued
    return Guess(number, title, name, issuer, issued, effective)


def _scalar(value: object) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return dumped.strip().removesuffix("...").strip()


def scaffold(seed: Path, pack_id: str, out: Path) -> tuple[str, str, dict[str, str]]:
    """(pack YAML, starter case file YAML, articles) for a new pack ``out`` built from ``seed``."""
    text = seed.read_text(encoding="utf-8")
    articles = split_articles(text)
    g = guess_metadata(text)
    relative = Path(os.path.relpath(seed.resolve(), out.resolve().parent)).as_posix()
    # relative to the pack when the two live together; an absolute path rather than ../../../..
    seed_ref = relative if not relative.startswith("../..") else seed.resolve().as_posix()
    check = "  # ← read from the text: check"
    fill = "  # ← fill in"

    def field(key: str, value: object, indent: int = 0) -> str:
        pad = " " * indent
        if value is None:
            return f"{pad}{key}: null{fill}"
        return f"{pad}{key}: {_scalar(value)}{check}"

    lines = [
        f"# Scaffolded by `medcredit init` from {seed.name}. Next steps (docs/guide/author.md):",
        "#  1. check the metadata marked below; 2. add grades, bands, facts, paths and rules, each",
        "#     citing an article with a verbatim quote; 3. say in non_executable why an article has",
        "#     nothing executable; 4. run `medcredit validate` and `medcredit check --strict` on this",
        "#     file, then write cases in the .cases.yaml beside it and run `medcredit test`.",
        "format: medcredit.pack/1",
        f"id: {pack_id}",
        "name:",
        field("zh", g.name, 2),
        f"  en: null{fill}",
        "jurisdiction:",
        f"  zh: null{fill}",
        f"  en: null{fill}",
        "document:",
        field("number", g.number, 2),
        field("title", g.title, 2),
        field("issuer", g.issuer, 2),
        field("issued", g.issued, 2),
        field("effective", g.effective, 2),
        f"  expires: null{fill} (null when the document sets no end)",
        f"  seed: {_scalar(seed_ref)}  # the original text, relative to this file",
        "  # every article's text, verbatim from the seed (validate checks it)",
        "  articles:",
    ]
    lines += [f"    {_scalar(k)}: {_scalar(v)}" for k, v in articles.items()]
    lines += [
        "",
        "# cycle:          {result_applies: same_year | next_year, cite: {article: ..., quote: ...}}",
        "# categories:     [retail_pharmacy, ...]",
        "# grades:         best first, e.g. - {id: A, label: {zh: A级}}",
        "# bands, facts, paths, rules, measures, lists, deadlines, repair: see docs/reference/pack-format.md",
        "",
        "non_executable: {}  # article: why it has nothing executable (every article needs a rule or a reason)",
        "",
    ]
    cases = [
        f"# Pack tests for {out.name}: run `medcredit test {out.parent.as_posix() or '.'}`.",
        "# Write one case per rule, with the clause it tests in its name (docs/guide/author.md, step 5);",
        "# until the first case is written, `medcredit test` reports that `cases` is empty.",
        f"pack: {_scalar(out.name)}",
        "cases: []",
        "#  - name: 被约谈一次扣5分（第X条）",
        "#    cycle: 2024",
        "#    subject:",
        "#      id: 91500000MA0000000X",
        "#      category: retail_pharmacy",
        "#      records: [{kind: interview, date: 2024-03-01}]",
        "#    expect: {status: graded, grade: A, score: 95}",
        "",
    ]
    return "\n".join(lines), "\n".join(cases), articles
