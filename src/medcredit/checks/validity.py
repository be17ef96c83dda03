"""Checks of the pack's validity window."""

from __future__ import annotations

from collections.abc import Iterator

from medcredit.checks.base import Check, CheckContext, register
from medcredit.diagnostics.problems import Problem


@register
class ValidityStale(Check):
    """The pack's document has expired.

    Anti-pattern: publishing or running a pack whose ``document.expires`` is in
    the past — evaluations of later cycles will be refused, and the pack may
    have been replaced.  Best practice: check whether the document was extended
    or replaced, and update ``document``; or keep the pack for historical cycles
    knowingly, saying so in ``validity.expired_note``.  Warning; an error under
    ``--strict``.
    """

    id = "validity-stale"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        doc = ctx.pack.document
        if ctx.pack.model.validity.expired_note is not None:
            return
        if doc.expires is not None and doc.expires < ctx.today:
            yield self.problem(
                ctx,
                f"the document expired on {doc.expires} (today is {ctx.today}); evaluations of later cycles "
                "are refused without --override-validity",
                ("document", "expires"),
            )


@register
class ValidityBeforeIssue(Check):
    """The document takes effect before it was issued.

    Anti-pattern: ``document.effective`` earlier than ``document.issued`` —
    usually a typo; retroactive effect must be deliberate.  Best practice:
    copy both dates from the document's 附则 and its 印发 line.
    """

    id = "validity-before-issue"
    level = "warning"

    def run(self, ctx: CheckContext) -> Iterator[Problem]:
        doc = ctx.pack.document
        if doc.effective < doc.issued:
            yield self.problem(
                ctx, f"effective {doc.effective} is before issued {doc.issued}", ("document", "effective")
            )
