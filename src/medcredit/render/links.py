"""Links into the rendered pack page (``medcredit render``, ``docs/packs/``).

A check message, a trace step or a report row that concerns an article links to
``PACK.html#第十九条``: the page is named by the pack id (as ``docs/packs/`` names
it) and the anchor is :func:`~medcredit.render.pack_view.article_anchor`, the
same function the page uses for its ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from medcredit.render.pack_view import article_anchor


def pack_page(pack_id: str) -> str:
    """The file name of a pack's rendered page."""
    return f"{pack_id}.html"


def article_link(pack_id: str, article: str) -> str:
    """``wushan.html#第十九条``: the article on the pack's rendered page."""
    return f"{pack_page(pack_id)}#{article_anchor(article)}"


def article_at(data: Any, path: Sequence[str | int]) -> str | None:
    """The article a pack's YAML ``data`` cites at ``path``: the innermost element on the path with a
    ``cite.article`` (or the article itself, for a path into the ``articles:`` registry).

    ``None`` when nothing on the path cites an article (e.g. the pack's metadata).
    """
    node: Any = data
    found: str | None = None
    parent_key: str | int | None = None
    for part in path:
        if isinstance(node, Mapping) and isinstance(part, str) and part in node:
            if parent_key == "articles" and isinstance(node[part], str):
                return part  # document.articles.第十九条: the registered article itself
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        parent_key = part
        cite = node.get("cite") if isinstance(node, Mapping) else None
        if isinstance(cite, Mapping) and isinstance(cite.get("article"), str):
            found = cite["article"]
        elif isinstance(node, Mapping) and parent_key == "cite" and isinstance(node.get("article"), str):
            found = node["article"]
    return found
