"""Checks that a pack says everything it should: measures, citations, used facts."""

from __future__ import annotations

from collections.abc import Iterator

from medcredit.checks.base import Check, CheckContext, register
from medcredit.diagnostics.problems import Problem
from medcredit.pack.coverage import uncovered


@register
class MeasuresMissing(Check):
    """A grade that a subject category can receive has no supervision measure.

    Anti-pattern: a pack grades a category A–D but lists measures only for some
    grades, so a bureau gets a grade with no consequence and cannot tell whether
    the law is silent or the pack is incomplete.  Best practice: give every
    (grade, category) its measures; where the law really prescribes nothing,
    add a measure of kind ``no_specific_measure`` citing the article that
    shows it (or record an interpretation).
    """

    id = "measures-missing"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        pack = ctx.pack
        for i, gp in enumerate(pack.model.paths):
            grades: list[str] = []
            if gp.bands and gp.bands in pack.bands:
                grades += [b.grade for b in pack.bands[gp.bands].bands]
            grades += [c.grade for c in gp.classes]
            if gp.default_grade:
                grades.append(gp.default_grade)
            for cat in gp.categories:
                for grade in dict.fromkeys(grades):
                    if (grade, cat) not in pack.measures:
                        yield self.problem(
                            ctx, f"no measure for grade {grade} of category {cat}", ("paths", i, "categories")
                        )


@register
class ArticleUncovered(Check):
    """A registered article is neither implemented nor explained.

    Anti-pattern: an article of the source document that no rule cites and
    that ``non_executable`` does not explain — it may be a rule the pack
    forgot.  Best practice: cite it from the element that implements it, or
    state in ``non_executable`` why it has nothing executable (organisational
    duty, definition, purpose).  The coverage table in docs/ shows the result.
    """

    id = "article-uncovered"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        for article in uncovered(ctx.pack.model):
            yield self.problem(
                ctx,
                f"article {article} is neither cited by any rule nor explained in non_executable",
                ("document", "articles", article),
            )


@register
class FactUnused(Check):
    """A fact is computed but nothing uses it.

    Anti-pattern: a fact that no rule, exclusion, grading path, class or list
    reads — usually a rule that was deleted or renamed, leaving records
    counted for nothing.  Best practice: remove the fact or wire it to the
    rule it was meant for.
    """

    id = "fact-unused"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        model = ctx.pack.model
        used: set[str] = {r.fact for r in model.rules}
        used |= {n for e in ctx.pack.exclusions for n in e.expression.names}
        used |= {n for p in ctx.pack.path_by_category.values() for o in p.overrides for n in o.expression.names}
        used |= {
            n
            for p in ctx.pack.path_by_category.values()
            for c in p.classes
            if c.expression is not None
            for n in c.expression.names
        }
        used |= {n for e in ctx.pack.measure_conditions.values() for n in e.names}
        used |= {t.fact for t in model.thresholds}
        for p in model.paths:
            if p.score_fact:
                used.add(p.score_fact)
            for c in p.classes:
                used.update(c.criteria)
            used.update(p.noted)
        for lst in model.lists:
            used.update(lst.entry)
            if lst.removal:
                used.add(lst.removal)
        for i, fact in enumerate(model.facts):
            if fact.id not in used:
                yield self.problem(
                    ctx, f"fact '{fact.id}' is not used by any rule, exclusion, path or list", ("facts", i, "id")
                )


_DOCUMENT_PARTS = ("文号", "标题", "主送", "落款", "文尾", "全文", "通知主送")


@register
class InterpretationClause(Check):
    """An interpretation does not name an article of the document.

    Anti-pattern: an interpretation whose ``clause`` does not begin with an
    article registered in ``document.articles``, so readers cannot find the
    words it interprets.  Best practice: start ``clause`` with the article id
    exactly as registered (e.g. ``第十九条（四）``), or, for a choice about the
    document as a whole, with one of its parts: 文号, 标题, 主送, 落款, 文尾, 全文.
    """

    id = "interpretation-clause"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        articles = sorted(ctx.pack.document.articles, key=len, reverse=True)
        for i, interp in enumerate(ctx.pack.model.interpretations):
            clause = interp.clause.replace(" ", "")
            if clause.startswith(_DOCUMENT_PARTS):
                continue
            if not any(clause.startswith(a.replace(" ", "")) for a in articles):
                yield self.problem(
                    ctx,
                    f"interpretation '{interp.id}' cites clause '{interp.clause}', which names no registered article",
                    ("interpretations", i, "clause"),
                )
