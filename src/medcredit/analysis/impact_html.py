"""A self-contained HTML report of an impact analysis.

One file, no external assets and no script: inline CSS, an inline SVG bar chart
of the outcome distribution under the old and the new pack, the transition
matrix, the drivers, the pack differences and the example subjects.  Every
piece of text is escaped with :func:`html.escape`.  The output is deterministic
(no timestamp), so the same analysis always gives the same bytes.
"""

from __future__ import annotations

from html import escape

from medcredit.analysis.impact import Impact, PackInfo
from medcredit.analysis.impact_words import Lang, word
from medcredit.render.links import article_link

_OLD_COLOUR = "#7b8fc7"
_NEW_COLOUR = "#e8875b"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.diag { background: #eef3ea; } td.moved { background: #fbe3d6; font-weight: bold; } td.zero { color: #bbb; }
th.corner { font-weight: normal; font-size: 0.85em; color: #555; }
code { font-size: 0.95em; } .muted { color: #666; }
td.clause { max-width: 32rem; font-size: 0.92em; } td.clause q { quotes: "“" "”"; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.summary dt { font-weight: bold; } dl.summary dd { margin: 0; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _pack(info: PackInfo) -> str:
    return f"<code>{_e(info.source)}</code> (<code>{_e(info.id)}</code>, <code>{_e(info.content_hash)}</code>)"


def nice_ticks(top: int, most: int = 6) -> tuple[int, int]:
    """(step, axis maximum): ticks at round numbers (1, 2 or 5 times a power of ten), at most ``most`` steps."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            candidate = step * factor
            if -(-top // candidate) <= most:
                return candidate, -(-top // candidate) * candidate
        step *= 10


def distribution_svg(impact: Impact, lang: Lang = "en") -> str:
    """An inline SVG grouped bar chart: subjects per outcome, old pack next to new pack."""
    old, new = impact.distribution("old"), impact.distribution("new")
    labels = impact.labels
    top = max([1, *old.values(), *new.values()])
    bar, gap, group_gap = 26, 4, 22
    # the legend sits below the axis labels, never over the bars; long labels are slanted
    left, right, head, plot, foot = 56, 16, 20, 200, 96
    group = 2 * bar + gap
    width = left + right + len(labels) * group + (len(labels) - 1) * group_gap
    height = head + plot + foot
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{_e(word('chart_title', lang))}</title>",
        f'<rect x="{left}" y="{height - 20}" width="12" height="12" fill="{_OLD_COLOUR}"/>'
        f'<text x="{left + 16}" y="{height - 10}">{_e(word("old", lang))}: {_e(impact.old.source)}</text>',
        f'<rect x="{left + width // 2 - 20}" y="{height - 20}" width="12" height="12" fill="{_NEW_COLOUR}"/>'
        f'<text x="{left + width // 2 - 4}" y="{height - 10}">{_e(word("new", lang))}: {_e(impact.new.source)}</text>',
    ]
    base = head + plot
    step, top = nice_ticks(top)
    for value in range(0, top + 1, step):
        y = base - plot * value / top
        parts.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e4e4e4"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{value:,}</text>'
        )
    for i, label in enumerate(labels):
        x0 = left + i * (group + group_gap)
        for k, (side, counts, colour) in enumerate((("old", old, _OLD_COLOUR), ("new", new, _NEW_COLOUR))):
            n = counts[label]
            h = plot * n / top
            x = x0 + k * (bar + gap)
            parts.append(
                f'<rect x="{x}" y="{base - h:.1f}" width="{bar}" height="{h:.1f}" fill="{colour}">'
                f"<title>{_e(label)}, {side}: {n}</title></rect>"
                f'<text x="{x + bar / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">{n}</text>'
            )
        cx = x0 + group / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{base + 16}" text-anchor="end" transform="rotate(-25 {cx:.1f} {base + 16})">'
            f"{_e(label)}</text>"
        )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#444"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _matrix(impact: Impact, lang: Lang = "en") -> str:
    labels = impact.labels
    old, new = impact.distribution("old"), impact.distribution("new")
    rows = [
        '<table class="matrix">',
        f'<tr><th class="corner">{_e(word("corner", lang))}</th>'
        + "".join(f'<th scope="col">{_e(b)}</th>' for b in labels)
        + f"<th>{_e(word('total', lang))}</th></tr>",
    ]
    for i, a in enumerate(labels):
        cells = []
        for j, n in enumerate(impact.matrix[i]):
            cls = "zero" if n == 0 else ("diag" if i == j else "moved")
            cells.append(f'<td class="n {cls}" title="{_e(a)} → {_e(labels[j])}">{n}</td>')
        rows.append(f'<tr><th scope="row">{_e(a)}</th>{"".join(cells)}<td class="n">{old[a]}</td></tr>')
    rows.append(
        f"<tr><th>{_e(word('total', lang))}</th>"
        + "".join(f'<td class="n">{new[b]}</td>' for b in labels)
        + f'<td class="n">{impact.subjects}</td></tr>'
    )
    rows.append("</table>")
    return "\n".join(rows)


def _distribution_table(impact: Impact, lang: Lang = "en") -> str:
    old, new = impact.distribution("old"), impact.distribution("new")
    head = "".join(f"<th>{_e(word(k, lang))}</th>" for k in ("outcome", "old", "new", "change"))
    rows = ["<table>", f"<tr>{head}</tr>"]
    for label in impact.labels:
        delta = new[label] - old[label]
        rows.append(
            f'<tr><th scope="row">{_e(label)}</th><td class="n">{old[label]}</td>'
            f'<td class="n">{new[label]}</td><td class="n">{delta:+d}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


def _drivers(impact: Impact, lang: Lang = "en", pack_pages: str = "") -> str:
    if not impact.drivers:
        key = "changed_by_failures" if impact.changed else "no_change"
        return f'<p class="muted">{_e(word(key, lang))}</p>'
    head = "".join(
        f"<th>{_e(word(k, lang))}</th>" for k in ("kind", "element", "detail", "subjects", "transitions", "clause")
    )
    rows = ["<table>", f"<tr>{head}</tr>"]
    for d in impact.drivers:
        moves = ", ".join(f"{_e(a)} → {_e(b)}: {n}" for a, b, n in d.transitions)
        clause = (
            f'<a class="article" href="{_e(pack_pages + article_link(impact.new.id, d.cite[0]))}" '
            f'title="{_e(word("article_link", lang))}">【{_e(d.cite[0])}】</a><q lang="zh-CN">{_e(d.cite[1])}</q>'
            if d.cite
            else "—"
        )
        rows.append(
            f"<tr><td>{_e(d.kind)}</td><td><code>{_e(d.ref)}</code></td><td>{_e(d.detail)}</td>"
            f'<td class="n">{d.subjects}</td><td>{moves}</td><td class="clause">{clause}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


def _pack_changes(impact: Impact, lang: Lang = "en") -> str:
    if not impact.pack_changes:
        return f'<p class="muted">{_e(word("packs_equal", lang))}</p>'
    head = "".join(f"<th>{_e(word(k, lang))}</th>" for k in ("change", "section", "element", "fields"))
    rows = ["<table>", f"<tr>{head}</tr>"]
    for c in impact.pack_changes:
        rows.append(
            f"<tr><td>{_e(c.change)}</td><td>{_e(c.section)}</td><td><code>{_e(c.id or '')}</code></td>"
            f"<td>{_e(', '.join(c.fields))}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _examples(impact: Impact, lang: Lang = "en") -> str:
    if not impact.transitions:
        return f'<p class="muted">{_e(word("no_transitions", lang))}</p>'
    keys = ("transition", "subjects", "example_subject", "score_change", "drivers", "input")
    rows = ["<table>", "<tr>" + "".join(f"<th>{_e(word(k, lang))}</th>" for k in keys) + "</tr>"]
    for t in impact.transitions:
        head = f'<td>{_e(t.old)} → {_e(t.new)}</td><td class="n">{t.subjects}</td>'
        if not t.examples:
            rows.append(f'<tr>{head}<td colspan="4"></td></tr>')
        for k, e in enumerate(t.examples):
            lead = head if k == 0 else "<td></td><td></td>"
            old = "-" if e.old_score is None else format(e.old_score, "f")
            new = "-" if e.new_score is None else format(e.new_score, "f")
            name = f"<br>{_e(e.subject_name)}" if e.subject_name else ""
            rows.append(
                f"<tr>{lead}<td><code>{_e(e.subject_id)}</code>{name}</td><td>{_e(old)} → {_e(new)}</td>"
                f'<td>{_e(", ".join(e.drivers))}</td><td class="muted">{_e(e.where)}</td></tr>'
            )
    rows.append("</table>")
    return "\n".join(rows)


def render_impact_html(impact: Impact, lang: Lang = "en", *, pack_pages: str = "") -> str:
    """The whole report as one self-contained HTML document, its own words in ``lang`` (en or zh).

    A driver's clause links to its article on the new pack's rendered page, ``PACK.html#ARTICLE``
    (``medcredit render``), found under ``pack_pages`` (a URL prefix; by default beside the report).
    """

    def w(key: str) -> str:
        return _e(word(key, lang))

    other = impact.changed - impact.improved - impact.worsened
    title = f"{word('title', lang)}: {impact.old.source} → {impact.new.source}, {word('cycle', lang)} {impact.cycle}"
    overridden = f" ({word('validity_overridden', lang)})" if impact.validity_overridden else ""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            f"<h1>{_e(title)}</h1>",
            '<dl class="summary">',
            f"<dt>{w('old_pack')}</dt><dd>{_pack(impact.old)}</dd>",
            f"<dt>{w('new_pack')}</dt><dd>{_pack(impact.new)}</dd>",
            f"<dt>{w('population')}</dt><dd><code>{_e(impact.population or '-')}</code></dd>",
            f"<dt>{w('cycle')}</dt><dd>{impact.cycle}{_e(overridden)}</dd>",
            f"<dt>{w('subjects')}</dt><dd>{impact.subjects} ({w('evaluated')} {impact.evaluated}, "
            f"{w('rejected')} {impact.rejected}"
            + (f", {w('failed')} {impact.failed}" if impact.failed else "")
            + ")</dd>",
            f"<dt>{w('changed')}</dt><dd>{impact.changed} ({w('improved')} {impact.improved}, "
            f"{w('worsened')} {impact.worsened}, {w('other')} {other}); {w('unchanged')} {impact.unchanged}</dd>",
            "</dl>",
            f"<h2>{w('distribution')}</h2>",
            distribution_svg(impact, lang),
            _distribution_table(impact, lang),
            f"<h2>{w('matrix')}</h2>",
            f'<p class="muted">{w("matrix_note")}</p>',
            _matrix(impact, lang),
            f"<h2>{w('drivers')}</h2>",
            f'<p class="muted">{w("drivers_note")}</p>',
            _drivers(impact, lang, pack_pages),
            f"<h2>{w('pack_changes')}</h2>",
            _pack_changes(impact, lang),
            f"<h2>{w('examples')}</h2>",
            f'<p class="muted">{w("examples_note")}</p>',
            _examples(impact, lang),
            "</body>",
            "</html>",
            "",
        ]
    )
