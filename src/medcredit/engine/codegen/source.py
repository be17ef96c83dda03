"""Generate the Python source of one grading path: one pass over the records, then the decision.

The generated function mirrors :func:`medcredit.engine.aggregation.tally` and
:func:`medcredit.engine.decision.decide` with the pack folded in: every fact's
filters become inline tests on the record's fields, sums stay in integer fen,
scorecard points in integer hundredths, tiers and bands become chained
comparisons against integer bounds, exclusions become inline Python from their
checked trees (:mod:`medcredit.engine.codegen.exprgen`).  Two variants are
made per path: with the trace (fact records, reasons, flags, rule terms kept as
plain tuples) and without.

Signature of the generated function::

    run(subject, cycle, start, end, override)
        -> (Outcome(status, grade, score, reason, hits, overridden, payload), Operation) | None

It reads the subject itself: its own records (with the agreement end last,
``_extend``), its managed clinics' records in a pass of their own, and the
operation in the cycle.  For a subject opened before the cycle with no
agreement end, the months operated are the whole year unless a termination
record turns up, which the pass over the records notes on its way
(``term``): the records are read once, not once more for the operation.
``_operation`` (the interpreter's rule) runs only for the other subjects.

``None`` means an exclusion failed at run time (e.g. a division by zero): the
caller hands the subject to the interpreter, which reports the error.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from typing import Any

from medcredit.engine.aggregation import YEARLY_KINDS
from medcredit.engine.codegen.exprgen import ExpressionSource
from medcredit.engine.operation import IGNORED_OBJECTIONS
from medcredit.pack.compiled import CBandSet, CFact, CompiledPack, CPath, CRule
from medcredit.pack.intervals import Interval

PARAMS = "subject, cycle, start, end, override"
#: The subject's names the exclusions may read, as the generated code computes them (after the operation).
_SUBJECT_LOCALS = {
    "category": "category = subject.category",
    "subject_type": "subject_type = _subject_types[subject.category]",
    "operated_months_in_cycle": "months = op[0]",
    "agreement_end_reason": "end_reason = op[1]",
}


class _Writer:
    """Indented lines plus the constants the source refers to (hoisted into its namespace)."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {}
        self._ids: dict[tuple[type, Any], str] = {}

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def t(self, depth: int, text: str) -> None:
        """A line only the traced variant has."""
        if self.trace:
            self.line(depth, text)

    def const(self, value: Any) -> str:
        """A namespace entry holding ``value``; equal hashable values share one."""
        key = (type(value), value if not isinstance(value, dict) else id(value))
        name = self._ids.get(key)
        if name is None:
            name = self._ids[key] = f"_K{len(self._ids)}"
            self.consts[name] = value
        return name

    def number(self, value: Decimal | int) -> str:
        """An exact literal: an int when integral, else a hoisted Decimal."""
        if isinstance(value, int):
            return repr(value)
        if value == value.to_integral_value():
            return repr(int(value))
        return self.const(value)


def _hundredths(value: Decimal) -> int:
    return int(value * 100)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked by support.path_reason
    return exponent


def generate(pack: CompiledPack, path: CPath, trace: bool) -> tuple[str, dict[str, Any]]:
    """The source of ``run`` for ``path`` and the constants it needs."""
    w = _Writer(trace)
    w.line(0, f"def run({PARAMS}):")
    _prologue(w, pack)
    needed = _needed(pack, path)
    for fact in pack.facts:
        if not trace and fact.index not in needed:
            continue  # never counted nor read without the trace
        w.line(1, f"c{fact.index} = 0")
        if fact.aggregate == "sum_amount":
            w.line(1, f"s{fact.index} = 0")
        if fact.aggregate == "value":
            w.line(1, f"v{fact.index} = None")
        # the records each fact took, as a tuple: most facts take none, and an empty tuple is a constant (no
        # allocation per fact per subject); a fact takes a few records at most, so growing it is cheap
        w.t(1, f"r{fact.index} = ()")
    w.t(1, "reasons = {}")
    w.t(1, "flags = {}")
    w.line(1, "overridden = False")
    w.line(1, "term = False")
    w.t(1, "i = -1")  # the record's index in the trace; the managed clinics' records follow the subject's own
    _pass(w, pack, needed, False)
    _pass(w, pack, needed, True)
    _operation_after(w, pack)
    _decision(w, pack, path)
    return "\n".join(w.lines) + "\n", w.consts


TERMINATION = "agreement_termination"


def _pass(w: _Writer, pack: CompiledPack, needed: frozenset[int], clinic: bool) -> None:
    """The loop over the subject's own records (``recs``) or its managed clinics' (``more``, ``clinic``): which
    records are a clinic's is known here, not tested per record.  The own records' pass notes a termination
    record (``term``) for the operation, whether a fact takes it or not."""
    branches: list[tuple[str, tuple[CFact, ...]]] = []
    for kind, all_facts in pack.kind_to_facts.items():
        # without a trace, facts the decision never reads need not be counted (record uses need them all), nor
        # facts a clinic's record cannot count for (those limited to the validity report an override first)
        facts = all_facts
        if not w.trace:
            facts = tuple(f for f in all_facts if f.index in needed)
            if clinic:
                facts = tuple(f for f in facts if f.include_managed_clinics or f.within_validity)
        if facts or (kind == TERMINATION and not clinic):
            branches.append((kind, facts))
    if not clinic and TERMINATION not in pack.kind_to_facts:
        branches.append((TERMINATION, ()))
    if not branches:
        return
    d = 1
    if clinic:
        w.line(d, "if more:")
        d += 1
    w.line(d, f"for rec in {'more' if clinic else 'recs'}:")
    w.t(d + 1, "i += 1")
    w.line(d + 1, "kind = rec.kind")
    # a pack whose facts take no record gives no reason for any (the operation's test alone)
    reasons = bool(pack.kind_to_facts)
    for n, (kind, facts) in enumerate(branches):
        w.line(d + 1, f"{'elif' if n else 'if'} kind == {kind!r}:")
        if kind == TERMINATION and not clinic:
            w.line(d + 2, "term = True")
        if facts:
            _kind_body(w, pack, kind, facts, clinic, d + 2)
        elif reasons:
            w.line(d + 2, "reasons[i] = 'kind_not_used'" if w.trace else "continue")
    if reasons:
        w.line(d + 1, "else:")
        w.line(d + 2, "reasons[i] = 'kind_not_used'" if w.trace else "continue")


def _prologue(w: _Writer, pack: CompiledPack) -> None:
    """The records to read and, unless it needs the records, the operation (``op``; None: settled after the pass)."""
    w.line(1, "recs = subject.records")
    w.line(1, "more = ()")
    w.line(1, "ae = subject.agreement_end")
    w.line(1, "if ae is not None or subject.managed_clinics:")
    w.line(2, "recs, more = _extend(subject, recs)")
    w.line(1, "opened = subject.opened")
    # opened before the cycle and no agreement end: all year, unless a termination record of its own (the
    # pass notes any); an unknown opening date where an exclusion reads the months brings a notice: the rule
    early = "opened is not None and opened < start" if pack.uses_operation else "opened is None or opened < start"
    w.line(1, f"if ae is None and ({early}):")
    w.line(2, "op = None")
    w.line(1, "else:")
    w.line(2, "op = _operation(subject, recs, start, end)")


def _operation_after(w: _Writer, pack: CompiledPack) -> None:
    """Settle the operation after the pass, and the subject's names the exclusions read."""
    w.line(1, "if op is None:")
    w.line(2, "op = _operation(subject, recs, start, end) if term else _OPEN_ALL_YEAR")
    read = {n for exc in pack.exclusions for n in exc.expression.names if n not in pack.fact_by_id}
    for name, text in _SUBJECT_LOCALS.items():
        if name in read:
            w.line(1, text)


def _needed(pack: CompiledPack, path: CPath) -> frozenset[int]:
    """Facts the decision reads: the path's rules, classes and score, the exclusions, and the validity-limited facts
    (a record outside the validity taken on the caller's override is reported whichever fact takes it)."""
    out = {rule.fact for rule in path.rules} | {f for cls in path.classes for f in cls.criteria}
    if path.score_fact is not None:
        out.add(path.score_fact)
    for exc in pack.exclusions:
        out.update(exc.facts)
        out.update(pack.fact_by_id[n].index for n in exc.expression.names if n in pack.fact_by_id)
    out.update(f.index for f in pack.facts if f.within_validity)
    return frozenset(out)


def _kind_body(w: _Writer, pack: CompiledPack, kind: str, facts: tuple[CFact, ...], clinic: bool, d: int) -> None:
    w.line(d, "d = rec.date")
    # without the trace, a record every fact of its kind takes only in the cycle is left before its objection is
    # read when it is not in the cycle (nothing to record on the way), and the facts need no test of it
    early = not w.trace and kind not in YEARLY_KINDS and all(not f.to_cycle_end for f in facts)
    if kind in YEARLY_KINDS:
        w.line(d, "year = rec.year")
        w.line(d, "if year is not None:")
        w.line(d + 1, "in_cycle = year == cycle")
        # as of a day, a score supplied after it is not known yet (aggregation.tally)
        w.line(d + 1, "before_end = year <= cycle" + (" and d <= end" if pack.cycle_kind != "calendar_year" else ""))
        w.line(d, "else:")
        w.line(d + 1, "in_cycle = start <= d <= end")
        w.line(d + 1, "before_end = d <= end")
        w.line(d, "if not before_end:")
    else:
        w.line(d, "if d > end or d < start:" if early else "if d > end:")
    w.t(d + 1, "reasons[i] = 'outside_cycle'")
    w.line(d + 1, "continue")
    if kind not in YEARLY_KINDS and not early:
        w.line(d, "in_cycle = d >= start")
    w.line(d, "obj = rec.objection")
    w.line(d, "if obj is not None:")
    w.line(d + 1, "ost = obj.status")
    for status, reason in IGNORED_OBJECTIONS.items():
        w.line(d + 1, f"if ost == {status!r}:")
        w.t(d + 2, f"reasons[i] = {reason!r}")
        w.line(d + 2, "continue")
    w.line(d + 1, "pass")
    w.t(d + 1, "if ost == 'pending':")
    w.t(d + 2, "flags[i] = ('objection_pending',)")
    w.t(d, "taken = False")
    w.t(d, "why = 'code_not_matched'")
    doc = pack.document
    for fact in facts:
        x = fact.index
        if not w.trace and not fact.within_validity:
            _plain_tests(w, fact, d, early)  # a clinic's record reaches here only for a fact that counts it
            continue
        w.line(d, "ok = True")
        window = []
        if not fact.to_cycle_end and not early:
            window.append("not in_cycle")
        if fact.not_before is not None:
            window.append(f"d < {w.const(fact.not_before)}")
        if window:
            w.line(d, f"if {' or '.join(window)}:")
            w.t(d + 1, "if why == 'code_not_matched':")
            w.t(d + 2, "why = 'outside_cycle'")
            w.line(d + 1, "ok = False")
        if fact.within_validity:
            force = f"{w.const(doc.effective)} <= d"
            if doc.expires is not None:
                force += f" and d <= {w.const(doc.expires)}"
            w.line(d, f"if ok and not ({force}):")
            w.line(d + 1, "if override:")
            w.line(d + 2, "overridden = True")
            w.line(d + 1, "else:")
            w.t(d + 2, "why = 'outside_validity'")
            w.line(d + 2, "ok = False")
        if clinic and not fact.include_managed_clinics:
            w.line(d, "if ok:")
            w.t(d + 1, "why = 'clinic_not_counted'")
            w.line(d + 1, "ok = False")
        if fact.filtered:
            code = _code_test(w, fact)
            fields = [f"rec.{name} in {w.const(allowed)}" for name, allowed in fact.where]
            accepts = " and ".join([f"({code})", *fields]) if fields else code
            w.line(d, "code = rec.code")
            w.line(d, f"if ok and not ({accepts}):")
            w.t(d + 1, f"if why == 'code_not_matched' and ({code}):")
            w.t(d + 2, "why = 'field_not_matched'")
            w.line(d + 1, "ok = False")
        if fact.requires_document:
            w.line(d, "if ok and rec.document is None:")
            w.t(d + 1, "why = 'no_legal_document'")
            w.line(d + 1, "ok = False")
        w.line(d, "if ok:")
        w.t(d + 1, "taken = True")
        _take(w, fact, d + 1)
        w.t(d + 1, f"r{x} += (i,)")
    w.t(d, "if not taken:")
    w.t(d + 1, "reasons[i] = why")


def _plain_tests(w: _Writer, fact: CFact, d: int, in_cycle: bool) -> None:
    """A fact's tests as one condition, for code run without the trace (no reason to record on the way);
    ``in_cycle``: the record is known to be in the cycle."""
    tests = []
    if not fact.to_cycle_end and not in_cycle:
        tests.append("in_cycle")
    if fact.not_before is not None:
        tests.append(f"d >= {w.const(fact.not_before)}")
    if fact.filtered:
        code = _code_test(w, fact)
        fields = [f"rec.{name} in {w.const(allowed)}" for name, allowed in fact.where]
        if "code" in code:
            w.line(d, "code = rec.code")
        tests += [f"({code})", *fields]
    if fact.requires_document:
        tests.append("rec.document is not None")
    if tests:
        w.line(d, f"if {' and '.join(tests)}:")
        d += 1
    _take(w, fact, d)


def _take(w: _Writer, fact: CFact, d: int) -> None:
    """The fact takes the record: its count, its sum of amounts or its set of scores."""
    x = fact.index
    w.line(d, f"c{x} += 1")
    if fact.aggregate == "sum_amount":
        # Record.amount_fen inline (a property call per record otherwise)
        w.line(d, "a = rec.amount")
        w.line(d, "if a is not None:")
        w.line(d + 1, f"s{x} += int(a * 100)")
    elif fact.aggregate == "value":
        w.line(d, "sc = rec.score")
        w.line(d, "if sc is not None:")
        w.line(d + 1, f"if v{x} is None:")
        w.line(d + 2, f"v{x} = {{sc}}")
        w.line(d + 1, "else:")
        w.line(d + 2, f"v{x}.add(sc)")


def _code_test(w: _Writer, fact: CFact) -> str:
    parts = []
    if fact.codes is not None:
        parts.append(f"code in {w.const(fact.codes)}")
    if fact.exclude_codes:
        parts.append(f"(code is None or code not in {w.const(fact.exclude_codes)})")
    return " and ".join(parts) or "True"


def _decision(w: _Writer, pack: CompiledPack, path: CPath) -> None:
    d = 1
    if w.trace:
        facts = pack.facts
        w.line(d, "counts = (" + "".join(f"c{f.index}, " for f in facts) + ")")
        w.line(d, "sums = (" + "".join(f"s{f.index}, " if f.aggregate == "sum_amount" else "0, " for f in facts) + ")")
        w.line(d, "values = {}")
        for f in facts:  # plain statements: a comprehension would cost a call per subject
            if f.aggregate == "value":
                w.line(d, f"if v{f.index} is not None:")
                w.line(d + 1, f"values[{f.index}] = v{f.index}")
        w.line(d, "fact_records = (" + "".join(f"r{f.index}, " for f in facts) + ")")
    _exclusions(w, pack)
    w.line(d, "if hits:")
    payload = "(counts, sums, values, fact_records, reasons, flags, fired, ())" if w.trace else "None"
    w.line(d + 1, _returns("'excluded', None, None, 'excluded', hits", payload))
    if path.method == "scorecard":
        _scorecard(w, pack, path)
    elif path.method == "classification" and path.combine == "agree":
        _agree(w, path)
    elif path.method == "classification":
        _worst(w, pack, path)
    else:
        _external(w, pack, path)


def _returns(fields: str, payload: str) -> str:
    """``return`` of the Outcome (made without parsing its fields as arguments again) and the operation."""
    return f"return (_new(_Outcome, ({fields}, overridden, {payload})), op)"


def _exclusions(w: _Writer, pack: CompiledPack) -> None:
    d = 1
    if not pack.exclusions:
        w.line(d, "hits = ()")
        w.t(d, "fired = ()")
        return
    names: dict[str, str] = {}

    def name(n: str) -> str:
        local = names.get(n)
        if local is not None:
            return local
        fact = pack.fact_by_id.get(n)
        if fact is None:
            local = {"agreement_end_reason": "end_reason", "operated_months_in_cycle": "months"}.get(n, n)
        elif fact.aggregate == "count":
            local = f"c{fact.index}"
        elif fact.aggregate == "any":
            local = f"(c{fact.index} > 0)"
        else:
            local = f"_yuan(s{fact.index})"
        names[n] = local
        return local

    source = ExpressionSource(name, w.const)

    def boolean(node: ast.AST) -> bool:
        """Whether Python already gives a bool for ``node`` (a comparison, ``not``, and/or of such, a flag fact)."""
        if isinstance(node, ast.Compare) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            return True
        if isinstance(node, ast.BoolOp):
            return all(boolean(v) for v in node.values)
        if isinstance(node, ast.Constant):
            return isinstance(node.value, bool)
        if isinstance(node, ast.Name):
            fact = pack.fact_by_id.get(node.id)
            return fact is not None and fact.aggregate == "any"
        return False

    w.line(d, "try:")
    for k, exc in enumerate(pack.exclusions):
        tree = exc.expression._tree
        text = source.emit(tree)
        w.line(d + 1, f"x{k} = {text}" if boolean(tree) else f"x{k} = bool({text})")
    w.line(d, "except (ArithmeticError, TypeError):")
    w.line(d + 1, "return None")
    w.line(d, "hits = ()")
    for k, exc in enumerate(pack.exclusions):
        w.line(d, f"if x{k}:")
        w.line(d + 1, f"hits += ({exc.id!r},)")
    w.t(d, "fired = (" + "".join(f"x{k}, " for k in range(len(pack.exclusions))) + ")")


def _contains(w: _Writer, iv: Interval, value: str, scale: int) -> str:
    """``iv.contains(value)`` as a chained comparison; ``value`` is in units of 10**-scale of the bounds."""
    parts = []
    if iv.low is not None:
        parts.append(f"{w.number(iv.low.scaleb(scale))} {'<=' if iv.low_inclusive else '<'} ")
    parts.append(value)
    if iv.high is not None:
        parts.append(f" {'<=' if iv.high_inclusive else '<'} {w.number(iv.high.scaleb(scale))}")
    text = "".join(parts)
    return text if iv.low is not None or iv.high is not None else "True"


def _scorecard(w: _Writer, pack: CompiledPack, path: CPath) -> None:
    d = 1
    base_exp = _exponent(path.base)
    w.line(d, f"score = {_hundredths(path.base)}")
    w.line(d, f"e = {base_exp}")
    w.t(d, "terms = []")
    for k, rule in enumerate(path.rules):
        _rule(w, pack, rule, base_exp)
        w.line(d, "score += p" if rule.sign > 0 else "score -= p")
        w.t(d, f"terms.append(({k}, {'p' if rule.sign > 0 else '-p'}, te))")
    assert path.bands is not None
    _bands(w, path.bands, "score", 2)
    # score_decimal's memo read straight away (a call only for a score not seen yet); the exponent is the
    # base's unless a term can lower it
    if w.trace or any(_tracked(rule, base_exp) for rule in path.rules):
        w.line(d, "value = _scores[e].get(score)")
    else:
        w.line(d, f"value = _scores{-base_exp}.get(score)")
    w.line(d, "if value is None:")
    w.line(d + 1, "value = _score(score, e)")
    payload = "(counts, sums, values, fact_records, reasons, flags, fired, tuple(terms))" if w.trace else "None"
    w.line(d, "if grade is None:")
    w.line(d + 1, _returns("'not_evaluable', None, value, 'score_outside_bands', ()", payload))
    w.line(d, _returns("'graded', grade, value, None, ()", payload))


def _tracked(rule: CRule, base_exp: int) -> bool:
    """Whether a term of ``rule`` can lower the score's exponent (the least of the terms', Decimal addition)."""
    exponents = [_exponent(rule.points), *(_exponent(t.points) for t in rule.tiers)]
    if rule.cap is not None:
        exponents.append(_exponent(rule.cap))
    return min(exponents) < base_exp


def _rule(w: _Writer, pack: CompiledPack, rule: CRule, base_exp: int) -> None:
    """Points of one rule in hundredths ``p`` and, where it matters, the exponent ``te`` of its Decimal term."""
    d = 1
    n = f"c{rule.fact}"
    # the traced variant keeps every term's exponent (the running scores show it)
    tracked = w.trace or _tracked(rule, base_exp)

    def set_exp(depth: int, exponent: int) -> None:
        if tracked:
            w.line(depth, f"te = {exponent}")

    if rule.mode == "per_occurrence":
        w.line(d, f"p = {_hundredths(rule.points)} * {n}")
        set_exp(d, _exponent(rule.points))
    elif rule.mode == "once":
        w.line(d, f"p = {_hundredths(rule.points)} if {n} else 0")
        set_exp(d, _exponent(rule.points))
    else:
        # the measure is the amount (in fen here, so bounds in fen) for a sum fact, else the count
        value, scale = (f"s{rule.fact}", 2) if pack.facts[rule.fact].aggregate == "sum_amount" else (n, 0)
        keyword = "if"
        for tier in rule.tiers:
            w.line(d, f"{keyword} {_contains(w, tier.interval, value, scale)}:")
            w.line(d + 1, f"p = {_hundredths(tier.points)}")
            set_exp(d + 1, _exponent(tier.points))
            keyword = "elif"
        w.line(d, "else:" if rule.tiers else "if True:")
        w.line(d + 1, "p = 0")
    if rule.cap is not None:
        w.line(d, f"if p > {_hundredths(rule.cap)}:")
        w.line(d + 1, f"p = {_hundredths(rule.cap)}")
        set_exp(d + 1, _exponent(rule.cap))
    if tracked:
        w.line(d, "if not p:")
        w.line(d + 1, "te = 0")
        w.line(d, "elif te < e:")
        w.line(d + 1, "e = te")


def _bands(w: _Writer, bands: CBandSet, value: str, scale: int, target: str = "grade", d: int = 1) -> None:
    """``target = bands.grade_for(value)`` as chained comparisons (domain first, then the first band)."""
    keyword = "if"
    if bands.domain is not None:
        w.line(d, f"if not ({_contains(w, bands.domain, value, scale)}):")
        w.line(d + 1, f"{target} = None")
        keyword = "elif"
    for band in bands.bands:
        w.line(d, f"{keyword} {_contains(w, band.interval, value, scale)}:")
        w.line(d + 1, f"{target} = {band.grade!r}")
        keyword = "elif"
    w.line(d, "else:" if keyword == "elif" else "if True:")
    w.line(d + 1, f"{target} = None")


def _external(w: _Writer, pack: CompiledPack, path: CPath) -> None:
    d = 1
    idx = path.score_fact
    assert idx is not None
    assert path.bands is not None
    payload = "(counts, sums, values, fact_records, reasons, flags, fired, ())" if w.trace else "None"
    w.line(d, f"found = v{idx}")
    w.line(d, "if found is None:")
    w.line(d + 1, _returns("'not_evaluable', None, None, 'missing_score', ()", payload))
    w.line(d, "if len(found) > 1:")
    w.line(d + 1, _returns("'not_evaluable', None, None, 'conflicting_scores', ()", payload))
    w.line(d, "for value in found:")
    w.line(d + 1, "pass")
    _bands(w, path.bands, "value", 0)
    w.line(d, "if grade is None:")
    w.line(d + 1, _returns("'not_evaluable', None, value, 'score_outside_bands', ()", payload))
    w.line(d, _returns("'graded', grade, value, None, ()", payload))


_PAYLOAD = "(counts, sums, values, fact_records, reasons, flags, fired, ())"


def _matched(cls_criteria: tuple[int, ...]) -> str:
    return " or ".join(f"c{f}" for f in cls_criteria) or "False"


def _worst(w: _Writer, pack: CompiledPack, path: CPath) -> None:
    """The worst matched class, else the default; a supplied score's band may worsen it."""
    d = 1
    payload = _PAYLOAD if w.trace else "None"
    order = w.const(dict(pack.grade_order))
    w.line(d, "grade = None")
    for cls in path.classes:
        w.line(d, f"if ({_matched(cls.criteria)}) and (grade is None or {order}[{cls.grade!r}] > {order}[grade]):")
        w.line(d + 1, f"grade = {cls.grade!r}")
    w.line(d, "if grade is None:")
    w.line(d + 1, f"grade = {path.default_grade!r}")
    w.line(d, "value = None")
    if path.score_fact is not None and path.bands is not None:
        w.line(d, f"found = v{path.score_fact}")
        w.line(d, "if found is not None:")
        w.line(d + 1, "if len(found) > 1:")
        w.line(d + 2, _returns("'not_evaluable', None, None, 'conflicting_scores', ()", payload))
        w.line(d + 1, "for value in found:")
        w.line(d + 2, "pass")
        _bands(w, path.bands, "value", 0, "band", d + 1)
        w.line(d + 1, "if band is None:")
        w.line(d + 2, _returns("'not_evaluable', None, value, 'score_outside_bands', ()", payload))
        w.line(d + 1, f"if {order}[band] > {order}[grade]:")
        w.line(d + 2, "grade = band")
    w.line(d, _returns("'graded', grade, value, None, ()", payload))


def _agree(w: _Writer, path: CPath) -> None:
    """Every class matched and every supplied score's band must name one grade."""
    d = 1
    payload = _PAYLOAD if w.trace else "None"
    w.line(d, "named = set()")
    for cls in path.classes:
        w.line(d, f"if {_matched(cls.criteria)}:")
        w.line(d + 1, f"named.add({cls.grade!r})")
    w.line(d, "value = None")
    if path.score_fact is not None and path.bands is not None:
        w.line(d, f"found = sorted(v{path.score_fact}) if v{path.score_fact} is not None else ()")
        w.line(d, "for each in found:")
        _bands(w, path.bands, "each", 0, "band", d + 1)
        w.line(d + 1, "if band is None:")
        w.line(d + 2, _returns("'not_evaluable', None, each, 'score_outside_bands', ()", payload))
        w.line(d + 1, "named.add(band)")
        w.line(d, "if len(found) == 1:")
        w.line(d + 1, "value = found[0]")
        w.line(d, "if len(named) != 1 or len(found) > 1:")
    else:
        w.line(d, "if len(named) != 1:")
    w.line(d + 1, "why = 'conflicting_scores' if named else 'missing_score'")
    w.line(d + 1, _returns("'not_evaluable', None, value, why, ()", payload))
    w.line(d, "for grade in named:")
    w.line(d + 1, "pass")
    w.line(d, _returns("'graded', grade, value, None, ()", payload))
