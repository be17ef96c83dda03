"""A pack read beside its law: the model behind the rendered pack page.

For each article of the pack's document, in document order: its full text,
the spans quoted by the elements that implement it, those elements with their
parameters, the interpretations that read it, and, when nothing implements
it, the pack's stated reason.  The HTML renderer (:mod:`.pack_html`) only
formats this model, so other formats can share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from medcredit.pack.coverage import cited_elements
from medcredit.pack.model import Band, Citation, Interpretation, Pack, Text, Tier

Lang = Literal["zh", "en"]

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    """A highlighted range ``[start, end)`` of an article's original text and the elements quoting it."""

    start: int
    end: int
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class Element:
    """One pack element implementing an article: what it is, what it says, what it quotes."""

    kind: str
    ident: str
    anchor: str
    title: str
    quote: str
    details: tuple[tuple[str, str], ...]


@dataclass
class ArticleView:
    """An article with everything that implements or reads it."""

    article: str
    text: str
    elements: list[Element] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    interpretations: list[Interpretation] = field(default_factory=list)
    non_executable: str | None = None

    @property
    def implemented(self) -> bool:
        return bool(self.elements)


@dataclass(frozen=True)
class PackView:
    pack: Pack
    articles: list[ArticleView]
    #: interpretations whose clause names no registered article (e.g. the document number)
    other_interpretations: list[Interpretation]


def article_anchor(article: str) -> str:
    """The anchor of an article on the rendered pack page: its id as the document numbers it (``第十九条``).

    One function for the page and for everything linking into it (check messages, reports).
    """
    return article


def text_in(text: Text | None, lang: Lang) -> str:
    """The text in ``lang``, falling back to Chinese (the law's language)."""
    if text is None:
        return ""
    return (text.en or text.zh) if lang == "en" else text.zh


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """The range of ``text`` that ``quote`` matches verbatim, white space ignored (as the loader checks)."""
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    compact = "".join(text[i] for i in positions)
    needle = _WS.sub("", quote)
    at = compact.find(needle)
    if at < 0 or not needle:
        return None
    return positions[at], positions[at + len(needle) - 1] + 1


def merge_spans(spans: list[Span]) -> list[Span]:
    """Overlapping quotes become one highlighted span naming every element (marks cannot overlap in HTML)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            anchors = last.anchors + tuple(a for a in span.anchors if a not in last.anchors)
            merged[-1] = Span(last.start, max(last.end, span.end), anchors)
        else:
            merged.append(span)
    return merged


def _value(value: object, lang: Lang) -> str:
    if isinstance(value, Text):
        return text_in(value, lang)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Tier):
        return f"{value.range} → {_value(value.points, lang)}"
    if isinstance(value, Band):
        return f"{value.grade} {value.range}"
    if isinstance(value, BaseModel):
        parts = [f"{k}: {_value(v, lang)}" for k, v in _fields(value) if k != "cite" and v not in (None, [], {})]
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "; ".join(_value(v, lang) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(v, lang)}" for k, v in value.items())
    return str(value)


def _fields(model: BaseModel) -> list[tuple[str, object]]:
    return [(name, getattr(model, name)) for name in type(model).model_fields]


_TITLE_FIELDS = ("title", "label", "reason", "effect", "doc", "note")
#: fields shown elsewhere on the page (the quote is highlighted; nested conditions are their own elements)
_HIDDEN_FIELDS = {"id", "cite", "conditions", "classes"}


def _element(kind: str, ident: str, obj: BaseModel, cite: Citation, lang: Lang, used: set[str]) -> Element:
    title = ""
    details: list[tuple[str, str]] = []
    for name, value in _fields(obj):
        if name in _HIDDEN_FIELDS or value is None or value == [] or value == {}:
            continue
        if not title and name in _TITLE_FIELDS and isinstance(value, Text):
            title = text_in(value, lang)
            continue
        details.append((name, _value(value, lang)))
    anchor, n = f"{kind}-{ident}", 1
    while anchor in used:  # anchors are unique on the page even if two elements share an id
        n += 1
        anchor = f"{kind}-{ident}-{n}"
    used.add(anchor)
    return Element(kind, ident, anchor, title, cite.quote, tuple(details))


def interpretation_articles(clause: str, articles: list[str]) -> list[str]:
    """The registered articles a clause such as ``第十六条、第十八条（一）`` or ``附件 一（二）`` reads.

    Each part (split at 、) belongs to the longest registered article id it starts with.
    """
    found: list[str] = []
    for part in re.split(r"[、，,]", clause):
        part = part.strip()
        best = max((a for a in articles if part.startswith(a)), key=len, default=None)
        if best is not None and best not in found:
            found.append(best)
    return found


def pack_view(pack: Pack, lang: Lang = "zh") -> PackView:
    """Every article in document order with its implementing elements, quotes, interpretations and reasons."""
    views = {a: ArticleView(a, text) for a, text in pack.document.articles.items()}
    spans: dict[str, list[Span]] = {a: [] for a in views}
    used: set[str] = set()
    for kind, ident, obj, cite in cited_elements(pack):
        view = views.get(cite.article)
        if view is None:  # the loader rejects unknown articles; a model built in code may still have one
            continue
        element = _element(kind, ident, obj, cite, lang, used)
        view.elements.append(element)
        where = locate(cite.quote, view.text)
        if where is not None:
            spans[cite.article].append(Span(where[0], where[1], (element.anchor,)))
    order = list(views)
    other: list[Interpretation] = []
    for interp in pack.interpretations:
        targets = interpretation_articles(interp.clause, order)
        if not targets:
            other.append(interp)
        for article in targets:
            views[article].interpretations.append(interp)
    for article, view in views.items():
        view.spans = merge_spans(spans[article])
        view.non_executable = pack.non_executable.get(article)
    return PackView(pack, [views[a] for a in order], other)
