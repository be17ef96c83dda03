"""A compiled subject's JSON line written straight from its compact outcome: no typed steps, no Result.

``medcredit evaluate --format jsonl`` spends most of its time turning each
result into its trace line.  For a subject graded by generated code
(:class:`~medcredit.engine.codegen.CompactResult`) the line is mostly the
same from subject to subject: clause quotes, measures, interpretations.  So
:class:`DirectEncoder` keeps the text of every piece it has written, keyed by
exactly what that piece depends on (an exclusion's inputs and records, a
rule's points and running score, the decision fields of the head), and joins
the pieces; the only text made afresh per subject is its identity and its
input records.  The memoised pieces are kept as UTF-8, so a line is one
``bytes.join`` ready for the output stream: encoding an 8 kB line of Chinese
clause text costs about as much as parsing its input line (bench/cli.py).

A piece not yet seen is made by the reference encoder itself (the typed step
through :func:`~medcredit.render.output.step_text`, the head through
:func:`~medcredit.render.output.result_to_dict`), so the bytes cannot drift
from :class:`~medcredit.render.output.TraceEncoder`; a differential test
compares the two on every bundled pack and fixture.  Classification paths and
cycles evaluated under a validity override are rarer shapes: they are
expanded and written by the reference encoder.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from medcredit.engine.codegen.expand import SUBJECT_NAMES, fact_value, subject_names, trace_steps, unused_reason
from medcredit.engine.codegen.program import CompactResult, score_decimal
from medcredit.engine.evaluation import flatten_records
from medcredit.history.model import Subject
from medcredit.io.limits import decimal_text
from medcredit.pack.compiled import CompiledPack, CPath, CRule
from medcredit.pack.model import Citation
from medcredit.render.output import (
    BoundedMemos,
    TraceEncoder,
    _dumps,
    interpretations_for,
    quote,
    record_json,
    step_text,
)
from medcredit.trace.result import TRACE_FORMAT
from medcredit.trace.steps import BandStep, MeasureStep, PathStep, _show

#: Pieces kept per encoder (oldest evicted first).  A piece holds its clause quote (about 1 kB), and the
#: pieces that recur (clean histories, common counts) come back at once after an eviction: the bound keeps
#: a worker's memory flat over a province (bench/cli.py reports peak RSS at 1M subjects).
MEMO_LIMIT = 32_768
#: Whole traces kept by the shape of the history they explain (ten kB or so each: fewer).
SHAPE_LIMIT = 2_048

_ZERO = Decimal(0)


# the exclusions' step texts, which records each exclusion used (in order), their refs
Block = tuple[tuple[str, ...], tuple[tuple[int, str], ...], tuple[str, ...]]

# a trace's steps text, the text after each input record's JSON, the interpretations text (UTF-8)
Traced = tuple[bytes, tuple[bytes, ...], bytes]


def _records_text(shown: tuple[int, ...]) -> str:
    """A step's ``"records"`` member (absent when it used none)."""
    return f',"records":[{",".join(map(str, shown))}]' if shown else ""


def _utf8(text: str) -> bytes:
    """``text`` in UTF-8; a lone surrogate (which the JSONL reader refuses, but a caller's model may hold)
    passes through, so that :meth:`DirectEncoder.encode` gives back the reference's text exactly."""
    return text.encode("utf-8", "surrogatepass")


class DirectEncoder(BoundedMemos):
    """Trace lines of compact results under one pack, byte-identical to ``TraceEncoder.encode(c.result())``.

    Safe to share across threads: reads take no lock, inserting and evicting happen under one.
    """

    __slots__ = (
        "_bases",
        "_blocks",
        "_bytes",
        "_exclusion_facts",
        "_head",
        "_middles",
        "_rules",
        "_shapes",
        "pack",
        "reference",
    )

    def __init__(self, pack: CompiledPack, reference: TraceEncoder | None = None, limit: int = MEMO_LIMIT) -> None:
        super().__init__(limit)
        self.pack = pack
        self.reference = reference if reference is not None else TraceEncoder(pack)
        self._bytes: dict[Any, bytes] = {}
        self._shapes: dict[Any, Traced] = {}
        self._middles: dict[Any, tuple[bytes, bytes]] = {}
        self._blocks: dict[Any, Block] = {}
        # every fact an exclusion marks records of or reads a value of
        read = {pack.fact_by_id[n].index for x in pack.exclusions for n in x.expression.names if n not in SUBJECT_NAMES}
        self._exclusion_facts = sorted(read.union(*(x.facts for x in pack.exclusions)))
        # per scorecard path: its base in hundredths with its exponent, and per rule (rule, fact, sums amounts)
        self._bases: dict[str, tuple[int, int]] = {}
        self._rules: dict[str, tuple[tuple[CRule, int, bool], ...]] = {}
        for path in {p.id: p for p in pack.path_by_category.values()}.values():
            exponent = path.base.as_tuple().exponent
            if path.method == "scorecard" and isinstance(exponent, int) and -2 <= exponent <= 0:
                hundredths = int(path.base.scaleb(2))
                self._bases[path.id] = (hundredths, exponent)
                facts = pack.facts
                self._rules[path.id] = tuple((r, r.fact, facts[r.fact].aggregate == "sum_amount") for r in path.rules)
        head = _dumps({"format": TRACE_FORMAT, "pack": {"id": pack.id, "document": pack.document.number}})
        self._head = _utf8(head[:-2] + f',"hash":{quote(pack.content_hash)}}},"subject":{{"id":')

    def encode(self, c: CompactResult) -> str:
        """The result's JSON line (without the newline)."""
        return self.line(c)[:-1].decode("utf-8", "surrogatepass")

    def line(self, c: CompactResult) -> bytes:
        """The result's JSON line in UTF-8, newline included: what ``medcredit evaluate`` writes."""
        path = c.path
        out = c.outcome
        subject = c.subject
        key: tuple[Any, ...] = (subject.category, c.cycle, out.status, out.grade, out.reason, out.exclusions)
        key += (c.notices, out.records_overridden, c.overridden, c.operation.notices)
        middle = self._middles.get(key)
        if middle is None:
            middle = self._middle(c)
            self._keep(self._middles, key, middle, SHAPE_LIMIT)
        score = b"null" if out.score is None else b'"%s"' % decimal_text(out.score).encode()
        name = b"null" if subject.name is None else _utf8(quote(subject.name))
        parts = [self._head, _utf8(quote(subject.id)), b',"name":', name, middle[0], score, middle[1]]
        if not c.traced:  # evaluated without the trace: the line ends with the decision
            if c.steps:  # but the steps made before the path (a validity override) still show: rare, the reference
                return _utf8(self.reference.encode(c.result())) + b"\n"
            parts.append(b"}\n")
            return b"".join(parts)
        if path.id in self._bases:  # a scorecard whose base has at most two decimals
            # everything the steps and the record uses depend on; a clean history's shape recurs
            assert out.payload is not None
            counts, sums, _values, fact_records, _reasons, _flags, fired, terms = out.payload
            op = c.operation
            shape: tuple[Any, ...] = (path.id, subject.category, c.cycle, c.steps, out.status, out.grade, fired)
            shape += (terms, counts, sums)
            shape += (fact_records, op.agreement_records, op.end_reason, op.months)  # tuples of indices: hashable
            shape += (tuple(out.payload[4].items()), tuple(out.payload[5].items()), _count_records(subject))
            traced = self._shapes.get(shape)
            if traced is None:
                traced = self._trace(c, path)
                self._keep(self._shapes, shape, traced, SHAPE_LIMIT)
        else:  # external scores and classifications: typed steps, each written once by the reference
            traced = self._trace_typed(c, path)
        steps, uses, interpretations = traced
        parts += (b',"trace":{"steps":[', steps, b'],"records":[')
        self._records(c, uses, parts)
        parts += (b']},"interpretations":', interpretations, b"}\n")
        return b"".join(parts)

    def _trace(self, c: CompactResult, path: CPath) -> Traced:
        """A scorecard's steps' text, each record's use, and the interpretations' text."""
        used_by: dict[int, list[str]] = {}
        refs = [s.ref for s in c.steps]
        texts = [self.reference.step(s) for s in c.steps]
        texts.extend(self._steps(c, path, used_by, refs))
        return _utf8(",".join(texts)), self._uses(c, used_by), self._interpretations(refs)

    def _trace_typed(self, c: CompactResult, path: CPath) -> Traced:
        """As :meth:`_trace`, from the typed steps ``expand`` makes (each step's text memoised by the reference)."""
        used_by: dict[int, list[str]] = {}
        steps = [*c.steps, *trace_steps(self.pack, path, c.subject, c.cycle, c.outcome, c.operation, used_by)]
        texts = ",".join(self.reference.step(s) for s in steps)
        return _utf8(texts), self._uses(c, used_by), self._interpretations([s.ref for s in steps])

    def _interpretations(self, refs: list[str]) -> bytes:
        key = ("interpretations", *refs)
        text = self._bytes.get(key)
        if text is None:
            text = _utf8(_dumps(interpretations_for(self.pack, set(refs))))
            self._keep(self._bytes, key, text, self.limit)
        return text

    def _middle(self, c: CompactResult) -> tuple[bytes, bytes]:
        """From the subject's ``"category"`` to ``"disclosure"`` (the decision, its measures and warnings), the
        reference's text, cut where the score goes: the same decision is reached with many scores."""
        _, _, before_score, after = self.reference.cut_head(c.result())
        return _utf8(before_score), _utf8(after[:-1])  # the head's closing brace comes after the trace

    def _prefix(self, ref: str, kind: str, cite: Citation | None) -> str:
        """``{"kind":…,"ref":…,"article":…,"quote":…`` of a step (the clause quote is the bulk of a step)."""
        key = ("prefix", kind, ref)  # refs are unique per kind within a pack
        text = self._memo.get(key)
        if text is None:
            head: dict[str, str] = {"kind": kind, "ref": ref}
            if cite is not None:
                head["article"], head["quote"] = cite.article, cite.quote
            text = self._remember(key, _dumps(head)[:-1])
        return text

    def _piece(self, key: Any, make: Any) -> str:
        text = self._memo.get(key)
        return text if text is not None else self._remember(key, step_text(make()))

    def _steps(self, c: CompactResult, path: CPath, used_by: dict[int, list[str]], refs: list[str]) -> list[str]:
        """The steps' texts in the order ``expand`` makes the steps; marks which records each piece used."""
        pack, out, op = self.pack, c.outcome, c.operation
        assert out.payload is not None
        counts, sums, _values, fact_records, _reasons, _flags, fired, terms = out.payload
        # the exclusions read few facts: their block recurs even when the scoring differs
        key: tuple[Any, ...] = ("X", fired, c.subject.category, c.cycle, op.end_reason, op.months)
        key += (op.agreement_records, *[(counts[f], sums[f], fact_records[f]) for f in self._exclusion_facts])
        block = self._blocks.get(key)
        if block is None:
            block = self._exclusions(c)
            self._keep(self._blocks, key, block, SHAPE_LIMIT)
        texts = list(block[0])
        for j, ref in block[1]:
            used_by.setdefault(j, []).append(ref)
        refs.extend(block[2])
        if out.status == "excluded":
            return texts
        bands = path.bands
        assert bands is not None
        texts.append(self._piece(("p", path.id), lambda: PathStep(path.id, (), path.base, None, path.cite)))
        refs.append(path.id)
        # the running score in hundredths and its exponent (a sum's is its terms' least), as the
        # interpreter's Decimal arithmetic gives it; Decimals are made only for a piece not yet written
        running, exponent_run = self._bases[path.id]
        for k, signed_h, exponent in terms:
            rule, f, is_sum = self._rules[path.id][k]
            running += signed_h
            used: tuple[int, ...] = ()
            if signed_h:  # a rule that deducted nothing shows no records
                if exponent < exponent_run:
                    exponent_run = exponent
                used = fact_records[f]
                for j in used:
                    used_by.setdefault(j, []).append(rule.id)
            elif exponent_run > 0:
                exponent_run = 0  # adding Decimal(0)
            measured = sums[f] if is_sum else counts[f]
            key = ("r", path.id, k, used, signed_h, exponent, running, exponent_run, measured)
            text = self._memo.get(key)
            if text is None:
                signed = score_decimal(signed_h, exponent) if signed_h else _ZERO
                value = str(Decimal(measured).scaleb(-2)) if is_sum else str(measured)
                total = score_decimal(running, exponent_run)
                text = (
                    f"{self._prefix(rule.id, 'rule', rule.cite)}{_records_text(used)},"
                    f'"points":"{decimal_text(signed)}","running_score":"{decimal_text(total)}","value":{quote(value)}}}'
                )
                text = self._remember(key, text)
            texts.append(text)
            refs.append(rule.id)
        key = ("b", bands.id, running, exponent_run, out.grade)
        texts.append(
            self._piece(
                key, lambda: BandStep(bands.id, (), score_decimal(running, exponent_run), out.grade, bands.cite)
            )
        )
        refs.append(bands.id)
        grade = out.grade
        if grade is not None:
            for m in pack.measures.get((grade, c.subject.category.value), ()):
                texts.append(self._piece(("m", m.id, grade), lambda m=m: MeasureStep(m.id, grade, m.cite)))
                refs.append(m.id)
        return texts

    def _exclusions(self, c: CompactResult) -> Block:
        """The exclusion steps' texts, the (record, exclusion) marks in order, and the exclusions' refs."""
        pack, out, op = self.pack, c.outcome, c.operation
        assert out.payload is not None
        counts, sums, _values, fact_records, _reasons, _flags, fired, _terms = out.payload
        texts: list[str] = []
        marks: list[tuple[int, str]] = []
        refs: list[str] = []
        names: dict[str, Any] | None = None
        for k, (exc, hit) in enumerate(zip(pack.exclusions, fired, strict=True)):
            involved: list[int] = []
            for f in exc.facts:
                involved.extend(fact_records[f])
            if exc.uses_agreement:
                involved.extend(op.agreement_records)
            marks.extend((j, exc.id) for j in involved)
            inputs: list[Any] = []
            for n in exc.expression.names:
                if n in SUBJECT_NAMES:
                    if names is None:
                        names = subject_names(pack, c.subject, c.cycle, op)
                    inputs.append(names[n])
                else:
                    inputs.append(fact_value(pack, pack.fact_by_id[n].index, counts, sums))
            shown = tuple(sorted(set(involved)))
            # a name's values keep one type (counts, sums in fen, flags), so equal values print alike
            key = ("x", k, shown, hit, *inputs)
            text = self._memo.get(key)
            if text is None:
                value = ", ".join(_show(n, v) for n, v in zip(exc.expression.names, inputs, strict=True))
                matched = "true" if hit else "false"
                text = f'{self._prefix(exc.id, "exclusion", exc.cite)}{_records_text(shown)},"value":{quote(value)},'
                text = self._remember(key, f'{text}"matched":{matched}}}')
            texts.append(text)
            refs.append(exc.id)
        return tuple(texts), tuple(marks), tuple(refs)

    def _uses(self, c: CompactResult, used_by: dict[int, list[str]]) -> tuple[bytes, ...]:
        """Per input record, the text after its JSON: what used it or why it is not applicable, and its flags.

        Every record once, as ``expand._record_uses`` accounts for it.
        """
        out, path = c.outcome, c.path
        assert out.payload is not None
        reasons, flags = out.payload[4], out.payload[5]
        texts: list[bytes] = []
        for i in range(_count_records(c.subject)):
            refs = used_by.get(i)
            if refs:
                key = ("u", *refs)
                used = self._memo.get(key)
                if used is None:
                    used = self._remember(key, _dumps(list(dict.fromkeys(refs))))
                reason = "null"
            else:
                used = "[]"
                why = reasons.get(i)
                reason = quote(unused_reason(out.status, path) if why is None else why)
            marks = flags.get(i, ())
            flagged = _dumps(list(marks)) if marks else "[]"
            texts.append(_utf8(f',"used_by":{used},"not_applicable":{reason},"flags":{flagged}}}'))
        return tuple(texts)

    def _records(self, c: CompactResult, uses: tuple[bytes, ...], parts: list[bytes]) -> None:
        """Appends the trace's ``records`` to ``parts``: each input record's index, origin and JSON, then its use."""
        subject = c.subject
        comma = b""
        if subject.agreement_end is None and not subject.managed_clinics:
            own = subject.records
            heads = _HEADS if len(own) <= len(_HEADS) else _heads(len(own))
            for i, r in enumerate(own):
                parts += (comma, heads[i], record_json(r), uses[i])
                comma = b","
            return
        for i, (origin, record) in enumerate(flatten_records(subject)):
            parts += (comma, _utf8(f'{{"index":{i},"origin":{quote(origin)},"record":'), record_json(record), uses[i])
            comma = b","


def _count_records(subject: Subject) -> int:
    """How many records ``flatten_records`` gives (own, the agreement end, managed clinics')."""
    n = len(subject.records) + (subject.agreement_end is not None)
    for clinic in subject.managed_clinics:
        n += len(clinic.records)
    return n


def _heads(n: int) -> tuple[bytes, ...]:
    return tuple(b'{"index":%d,"origin":"records[%d]","record":' % (i, i) for i in range(n))


# the opening of an own record's entry (origin ``records[i]``, as ``flatten_records`` names it)
_HEADS = _heads(256)
