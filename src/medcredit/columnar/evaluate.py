"""``evaluate_table``: a whole population graded at once, over Arrow tables.

The same law as :func:`medcredit.engine.evaluation.evaluate`, computed column by
column: the records of each fact, from the rows of its kinds (cycle window,
objection, managed clinic, code and field filters, legal document), per-subject
counts and sums in integer fen by ``bincount``, exclusions as vectorised
expressions, scorecard rules, classes (``worst`` or ``agree``) and bands as
comparisons.  No Python-level work per row.  The per-rule points are the trace
matrix.  What :mod:`medcredit.columnar.plan` does not vectorise is graded by the
per-subject engine, subject by subject, and the output says which and why
(column ``evaluated_by``, schema metadata ``medcredit.fallback``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from medcredit.columnar.arguments import check_table_arguments
from medcredit.columnar.convert import rows_to_subjects
from medcredit.columnar.ordered import in_order
from medcredit.columnar.plan import Plan, decimals, make_plan
from medcredit.columnar.schema import Nulls, Tables, valid_bits, validate, validate_part
from medcredit.columnar.schema import one_array as _one
from medcredit.columnar.slices import Grouped, Partition, Piece, joined_whole, slicing
from medcredit.columnar.vexpr import Num, Value, evaluate_bool, number
from medcredit.diagnostics.errors import ArgumentError, HistoryError, ValidityError
from medcredit.diagnostics.problems import Problem
from medcredit.engine.evaluation import evaluate
from medcredit.engine.operation import REASON_ORDER
from medcredit.engine.validity import check_validity, cycle_bounds, validity_message
from medcredit.history.catalogue import catalogue
from medcredit.history.model import INSTITUTION_CATEGORIES, SubjectCategory
from medcredit.io.cores import available_cores
from medcredit.pack.compiled import CBandSet, CompiledPack, CPath, CRule
from medcredit.pack.intervals import Interval
from medcredit.render.output import to_json
from medcredit.trace.result import Result

FORMAT = "medcredit.table/1"
STATUSES = ("graded", "excluded", "not_evaluable", "out_of_scope", "rolled_up")
_GRADED, _EXCLUDED, _NOT_EVALUABLE, _OUT_OF_SCOPE, _ROLLED_UP = range(5)
_YEARLY = ("annual_assessment", "risk_assessment")
_IGNORED = ("upheld", "deleted_unverifiable")
_EPOCH = dt.date(1970, 1, 1).toordinal()
_PLANS: dict[int, tuple[CompiledPack, Plan]] = {}
#: subjects graded together (with their ≈ 3 records each): the per-record arrays of a slice stay
#: in cache and are reused, where those of a whole population of millions are faulted in anew
SLICE_SUBJECTS = 65_536


class _Vocab:
    """Strings as small integer codes, for dictionary-encoded output columns."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words: list[str] = []
        self.index: dict[str, int] = {}
        # slices graded on several threads share one vocabulary: a new word gets exactly one code
        self.lock = threading.Lock()
        for w in words:
            self.code(w)
        self.seeded = len(self.words)
        self.known = pa.array([], pa.string())  # the first words, as Arrow strings (see codes)

    def code(self, word: str) -> int:
        found = self.index.get(word)
        if found is None:
            with self.lock:
                found = self.index.get(word)
                if found is None:
                    found = self.index[word] = len(self.words)
                    self.words.append(word)
        return found

    def codes(self, words: pa.Array) -> np.ndarray:
        """The codes of many distinct words at once, looked up in Arrow: only words never seen become Python strings.

        (A slice's supplied scores are thousands of distinct texts, mostly seen in earlier slices.)
        """
        with self.lock:
            if len(self.known) < len(self.words):
                self.known = pa.concat_arrays([self.known, pa.array(self.words[len(self.known) :], pa.string())])
            known = self.known
        found = pc.index_in(words, value_set=known)
        codes = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        if found.null_count:
            missing = np.flatnonzero(codes < 0)
            new = words.take(pa.array(missing)).to_pylist()
            with self.lock:  # words another thread added since ``known`` was taken keep their code
                fresh = [w for w in new if w not in self.index]
                start = len(self.words)
                self.index.update(zip(fresh, range(start, start + len(fresh)), strict=True))
                self.words.extend(fresh)
                codes[missing] = [self.index[w] for w in new]
        return codes

    def array(self, codes: np.ndarray) -> pa.Array:
        """A dictionary array; code -1 is null.

        The dictionary is canonical: the words given at the start, then the others that some row
        uses, sorted.  The order in which words were met depends on the order of the work (one
        pass, or slice after slice); the results table does not.
        """
        nulls = int(np.count_nonzero(codes < 0))
        extra: list[int] = []
        if len(self.words) > self.seeded:  # which of the other words some row uses (a count per word)
            counts = np.bincount(codes + 1, minlength=len(self.words) + 1)  # slot 0: nulls (code -1)
            others = sorted(range(self.seeded, len(self.words)), key=self.words.__getitem__)
            extra = [k for k in others if counts[k + 1]]
        remap = np.zeros(len(self.words) + 1, dtype=np.int32)  # the last slot (code -1) gives 0 under the null
        remap[: self.seeded] = np.arange(self.seeded)
        remap[extra] = np.arange(self.seeded, self.seeded + len(extra))
        words = self.words[: self.seeded] + [self.words[k] for k in extra]
        validity = pa.py_buffer(np.packbits(codes >= 0, bitorder="little")) if nulls else None
        if extra == list(range(self.seeded, len(self.words))):
            # every code keeps its place (the usual case): only the nulls' slots become 0, as remap would
            values = np.maximum(codes, 0, dtype=np.int32) if nulls else np.ascontiguousarray(codes, dtype=np.int32)
        else:
            values = remap[codes]
        indices = pa.Array.from_buffers(pa.int32(), len(codes), [validity, pa.py_buffer(values)], nulls)
        # every index is one of ``words`` by construction: no bounds check of a million indices
        return pa.DictionaryArray.from_arrays(indices, pa.array(words, pa.string()), safe=False)


def plan_for(pack: CompiledPack) -> Plan:
    """The plan of ``pack``, made once per pack object (the entry keeps the pack alive, so ids stay unique)."""
    entry = _PLANS.get(id(pack))
    if entry is None or entry[0] is not pack:
        if len(_PLANS) >= 64:
            _PLANS.clear()
        entry = _PLANS[id(pack)] = (pack, make_plan(pack))
    return entry[1]


def _np(data: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(data.to_numpy(zero_copy_only=False))


def _mask(data: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(data.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _codes(data: pa.ChunkedArray | pa.Array, words: list[str]) -> np.ndarray:
    """Index of each value in ``words``; -1 for null or absent."""
    found = pc.index_in(data, value_set=pa.array(words, pa.string())).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def _lut(words: list[str], chosen: Iterable[str]) -> np.ndarray:
    """Look-up table over codes (last slot: code -1, i.e. null)."""
    table = np.zeros(len(words) + 1, dtype=bool)
    for w in chosen:
        if w in words:
            table[words.index(w)] = True
    return table


def _ints(column: pa.ChunkedArray, missing: int) -> np.ndarray:
    """An integer column as int64, ``missing`` where null (values read from the Arrow buffer)."""
    arr = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if arr.null_count == len(arr):
        return np.full(len(arr), missing, dtype=np.int64)
    if not arr.null_count:
        return np.asarray(arr.to_numpy(), dtype=np.int64)
    # the values buffer read in place, ``missing`` put where the validity bitmap says null
    width = np.dtype(arr.type.to_pandas_dtype())
    values = np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset : arr.offset + len(arr)]
    return np.where(valid_bits(arr), values.astype(np.int64), missing)


def _fen(amount: pa.ChunkedArray, rows: np.ndarray) -> np.ndarray:
    """The decimal amounts of ``rows`` as exact integer fen (the unscaled decimal128, scale 2); 0 where null.

    Read in place at the rows asked for (those of the facts that sum amounts), not for every record.
    """
    arr = amount.chunk(0) if amount.num_chunks == 1 else amount.combine_chunks()
    if len(rows) == 0 or arr.null_count == len(arr):
        return np.zeros(len(rows), dtype=np.int64)
    at = rows + arr.offset
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    low: np.ndarray = words[2 * at]  # amounts are ≥ 0 and far below 2**63: the low word is the value
    if arr.null_count:
        bitmap = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
        low *= (bitmap[at >> 3] >> (at & 7)) & 1
    return low


class _Batch:
    """Record columns as numpy arrays, with each subject's agreement end as a record."""

    def __init__(self, pack: CompiledPack, tables: Tables, cycle: int) -> None:
        s, r = tables.subjects, tables.records
        self.n = s.num_rows
        self.nrecords = r.num_rows
        end_rows = np.flatnonzero(valid_bits(_one(s.column("agreement_end_date"))))
        synthetic = pa.table(
            {
                "subject_id": s.column("id").take(end_rows),
                "kind": pa.array(["agreement_termination"] * len(end_rows), pa.string()),
                "date": s.column("agreement_end_date").take(end_rows),
                "reason": s.column("agreement_end_reason").take(end_rows),
            }
        )
        cols = ("subject_id", "kind", "date", "reason")
        wide = pa.concat_tables([r.select(list(cols)), synthetic]) if len(end_rows) else r.select(list(cols))
        self.records = r
        self.synthetic = len(end_rows)
        self.sidx = np.concatenate([tables.record_subject, end_rows]).astype(np.int64)
        self.kinds = sorted(pack.catalogue.record_kinds)
        self.code_words = sorted(pack.catalogue.violations)
        end_kind = np.full(len(end_rows), self.kinds.index("agreement_termination"), dtype=np.int64)
        no_code = np.full(len(end_rows), -1, np.int64)
        if tables.record_kind is not None and self.kinds == sorted(catalogue().record_kinds):
            self.kind = np.concatenate([tables.record_kind, end_kind])
        else:
            self.kind = _codes(wide.column("kind"), self.kinds)
        if tables.record_code is not None and self.code_words == sorted(catalogue().violations):
            self.code = np.concatenate([tables.record_code, no_code])
        else:
            self.code = np.concatenate([_codes(r.column("code"), self.code_words), no_code])
        self.date = _np(wide.column("date").cast(pa.int32())).astype(np.int64)
        self.reason_col = wide.column("reason")
        pad = np.zeros(len(end_rows), dtype=bool)
        self.clinic = np.concatenate([valid_bits(_one(r.column("clinic_id"))), pad])
        self.document = np.concatenate([valid_bits(_one(r.column("document_kind"))), pad])
        status = r.column("objection_status")
        ignored = (
            np.zeros(len(status), dtype=bool)
            if status.null_count == len(status)
            else _mask(pc.is_in(status, value_set=pa.array(list(_IGNORED))))
        )
        self.ignored = np.concatenate([ignored, pad])
        year = _ints(r.column("year"), -1)
        self.year = np.concatenate([year, np.full(len(end_rows), -1, np.int64)])
        self.wide = wide
        self.taken: dict[str, tuple[np.ndarray, pa.ChunkedArray | pa.Array]] = {}
        self.by_kind: tuple[np.ndarray, np.ndarray] | None = None
        start, end = cycle_bounds(cycle)
        self.start, self.end = start.toordinal() - _EPOCH, end.toordinal() - _EPOCH
        yearly = _lut(self.kinds, _YEARLY)[self.kind] & (self.year >= 0)
        in_dates = (self.date >= self.start) & (self.date <= self.end)
        self.in_cycle = np.where(yearly, self.year == cycle, in_dates)
        self.before_end = np.where(yearly, self.year <= cycle, self.date <= self.end) & ~self.ignored

    def fen(self, rows: np.ndarray) -> np.ndarray:
        """The amounts of ``rows`` in fen (0 for an agreement end, which has no amount)."""
        mine = rows < self.nrecords
        if mine.all():
            return _fen(self.records.column("amount"), rows)
        found = np.zeros(len(rows), dtype=np.int64)
        found[mine] = _fen(self.records.column("amount"), rows[mine])
        return found

    def kind_rows(self, code: int) -> np.ndarray:
        """The rows of the kind with index ``code``, ascending (records grouped by kind once, by a radix sort)."""
        if self.by_kind is None:
            small = (self.kind + 1).astype(np.int16)  # 0: unknown kind
            order = np.argsort(small, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(small, minlength=len(self.kinds) + 1))])
            self.by_kind = (order, bounds)
        order, bounds = self.by_kind
        rows: np.ndarray = order[bounds[code + 1] : bounds[code + 2]]
        return rows

    def member(self, name: str, allowed: Iterable[Any], rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` have ``name`` in ``allowed`` (``is_in``), over the values of those rows only.

        The rows are those of a fact's kinds (a few per subject), so only they are read; the facts
        over the same kinds and column (one per assessment level, say) share the values taken once.
        """
        found = self.taken.get(name)
        if found is None or not np.array_equal(found[0], rows):
            data = self.column(name)
            found = self.taken[name] = (rows, data.take(pa.array(rows)))
        values = found[1]
        value_set = pa.array(sorted(allowed, key=str), values.type)
        return _mask(pc.is_in(values, value_set=value_set))

    def column(self, name: str) -> pa.ChunkedArray | pa.Array:
        """A record column with the agreement-end rows appended (null where they have no such field)."""
        if name in self.wide.column_names:
            return self.wide.column(name)
        data = self.records.column(name)
        return pa.chunked_array([*data.chunks, pa.nulls(self.synthetic, data.type)], data.type)


def _fact_rows(pack: CompiledPack, b: _Batch) -> list[np.ndarray]:
    """The record rows of each fact (rows of the batch, agreement ends included).

    Each fact starts from the rows of its kinds (records grouped by kind once), so a fact
    over a rare kind costs in proportion to its records, not to the whole table.
    """
    position = {k: i for i, k in enumerate(b.kinds)}
    facts = []
    for fact in pack.facts:
        parts = [b.kind_rows(i) for k in sorted(fact.kinds) if (i := position.get(k)) is not None]
        rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        keep = b.before_end[rows]
        if not fact.to_cycle_end:
            keep &= b.in_cycle[rows]
        if fact.not_before is not None:
            keep &= b.date[rows] >= fact.not_before.toordinal() - _EPOCH
        if not fact.include_managed_clinics:
            keep &= ~b.clinic[rows]
        if fact.codes is not None:
            keep &= _lut(b.code_words, fact.codes)[b.code[rows]]
        if fact.exclude_codes:
            keep &= ~_lut(b.code_words, fact.exclude_codes)[b.code[rows]]
        for name, allowed in fact.where:
            keep &= b.member(name, allowed, rows)
        if fact.requires_document:
            keep &= b.document[rows]
        facts.append(rows[keep])
    return facts


def _whole_months(anchor: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Vectorised :func:`medcredit.engine.operation.whole_months`, at most 12 (days since 1970)."""
    a = anchor.astype("datetime64[D]")
    s = stop.astype("datetime64[D]")
    a_month = a.astype("datetime64[M]")
    s_month = s.astype("datetime64[M]")
    a_day = (a - a_month).astype(np.int64) + 1
    s_day = (s - s_month).astype(np.int64) + 1
    months = s_month.astype(np.int64) - a_month.astype(np.int64)
    # anchor's day number in stop's month, or that month's last day (《民法典》 第二百零二条)
    length = ((s_month + np.timedelta64(1, "M")).astype("datetime64[D]") - s_month.astype("datetime64[D]")).astype(
        np.int64
    )
    corresponding = np.minimum(a_day, length)
    months = np.where((months > 0) & (corresponding > s_day), months - 1, months)
    return np.where(stop <= anchor, 0, np.minimum(months, 12))


def _operation(pack: CompiledPack, tables: Tables, b: _Batch, want_reason: bool) -> tuple[np.ndarray, np.ndarray]:
    """Months operated in the cycle and the in-cycle agreement end reason ('' if none), per subject."""
    opened_col = tables.subjects.column("opened")
    has_opened = valid_bits(_one(opened_col))
    opened = np.where(
        has_opened, _np(opened_col.cast(pa.int32()).fill_null(0)).astype(np.int64), np.iinfo(np.int64).min
    )
    # 《民法典》 第二百零一条: the opening day is not counted (as the engine's operation()); opened before
    # the cycle, the count runs from 1 January, as if from an opening on 31 December
    anchor = np.maximum(opened, b.start - 1)
    ends = b.kind_rows(b.kinds.index("agreement_termination"))  # the few terminations, not every record
    ends = ends[~b.clinic[ends] & ~b.ignored[ends] & (b.date[ends] <= b.end)]
    ends = ends[b.date[ends] >= opened[b.sidx[ends]]]
    when = np.full(b.n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(when, b.sidx[ends], b.date[ends])
    stop = np.where(when > np.iinfo(np.int64).min, np.minimum(when, b.end), b.end)
    # operating from 1 January to 31 December is 12 months: compute only the others
    months = np.full(b.n, 12, dtype=np.int64)
    odd = np.flatnonzero((anchor != b.start - 1) | (stop != b.end))
    months[odd] = _whole_months(anchor[odd], stop[odd])
    reasons = np.full(b.n if want_reason else 0, "", dtype=object)
    if want_reason:
        rows = ends[(b.date[ends] == when[b.sidx[ends]]) & (b.date[ends] >= b.start)]
        texts = b.reason_col.take(rows).to_pylist()
        rank = {r: i for i, r in enumerate(REASON_ORDER)}
        for row, text in zip(rows, texts, strict=True):
            sid = b.sidx[row]
            now = reasons[sid]
            key = (rank.get(text, len(rank)), text)
            if now == "" or key < (rank.get(now, len(rank)), now):
                reasons[sid] = text
    return months, reasons


def _interval_mask(interval: Interval, values: Num) -> np.ndarray:
    out = np.ones(values.values.shape, dtype=bool)
    if interval.low is not None:
        low = number(interval.low)
        scale = max(low.scale, values.scale)
        v, lo = values.at(scale), low.at(scale)
        out &= (v >= lo) if interval.low_inclusive else (v > lo)
    if interval.high is not None:
        high = number(interval.high)
        scale = max(high.scale, values.scale)
        v, hi = values.at(scale), high.at(scale)
        out &= (v <= hi) if interval.high_inclusive else (v < hi)
    return out


class _Output:
    """The per-subject result columns being filled."""

    def __init__(self, pack: CompiledPack, plan: Plan, n: int) -> None:
        # codes into small vocabularies: int32 halves the whole population's arrays (-1: null)
        self.status = np.full(n, -1, dtype=np.int32)
        self.grades = _Vocab(g.id for g in pack.model.grades)
        self.grade = np.full(n, -1, dtype=np.int32)
        self.reasons = _Vocab()
        self.reason = np.full(n, -1, dtype=np.int32)
        self.paths = _Vocab(sorted({p.id for p in pack.path_by_category.values()}))
        self.path = np.full(n, -1, dtype=np.int32)
        self.scores = _Vocab()
        self.score = np.full(n, -1, dtype=np.int32)
        self.exclusion_ids = [e.id for e in pack.exclusions]
        # column by column (Fortran order): each exclusion's column is written, and read, contiguously
        self.hits = np.zeros((n, len(self.exclusion_ids)), dtype=bool, order="F")
        # each rule's points in the low words of its decimal128 output buffer (the high words, the
        # sign, are set at the end): the results table takes the buffers without a copy
        self.rule_words = {rid: np.zeros((n, 2), dtype=np.int64) for rid in plan.rules}
        self.points = {rid: words[:, 0] for rid, words in self.rule_words.items()}
        self.applied = {rid: np.zeros(n, dtype=bool) for rid in plan.rules}
        self.by = np.zeros(n, dtype=np.int32)  # 0: columnar; else fallback reason code
        self.category = np.full(n, -1, dtype=np.int32)  # index in SubjectCategory
        # measures of rows the engine graded: they can differ from the grade's (a measure's term ended)
        self.engine_measures: dict[int, tuple[str, ...]] = {}
        self.fallbacks = _Vocab(["columnar"])
        self.offset = 0  # row of this output's first row in the whole output (see part)

    def part(self, start: int, stop: int) -> _Output:
        """Rows ``start`` … ``stop - 1`` as an output of their own: views of the same arrays, the same vocabularies."""
        view = copy.copy(self)
        for name in ("status", "grade", "reason", "path", "score", "hits", "by", "category"):
            setattr(view, name, getattr(self, name)[start:stop])
        view.points = {rid: values[start:stop] for rid, values in self.points.items()}
        view.applied = {rid: values[start:stop] for rid, values in self.applied.items()}
        view.offset = self.offset + start
        # the rows the engine grades in this part are written here, by this part's thread alone (the slice's own
        # list columns read them while other slices' threads write theirs)
        view.engine_measures = {}
        return view


def _score_texts(values: np.ndarray, exponents: np.ndarray, scale: int, vocab: _Vocab) -> np.ndarray:
    """Codes of the scores as the engine's Decimal arithmetic writes them (exponent included)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    # scores and exponents span a small range: a look-up table over (score, exponent) avoids sorting
    low, e_low = int(values.min()), int(exponents.min())
    width = int(exponents.max()) - e_low + 1
    key = (values - low) * width + (exponents - e_low)
    present = np.flatnonzero(np.bincount(key))
    table = np.full(int(key.max()) + 1, -1, dtype=np.int64)
    for k in present.tolist():
        value, exponent = divmod(k, width)
        text = str(Decimal(value + low).scaleb(-scale).quantize(Decimal(1).scaleb(exponent + e_low)))
        table[k] = vocab.code(text)
    codes: np.ndarray = table[key]
    return codes


def _scorecard(
    pack: CompiledPack,
    plan: Plan,
    path: CPath,
    rows: np.ndarray,
    counts: list[np.ndarray],
    sums: list[np.ndarray],
    out: _Output,
) -> None:
    scale = plan.scale
    base = number(path.base)
    score = np.full(len(rows), base.at(scale), dtype=np.int64)
    base_exp = int(path.base.as_tuple().exponent)
    # the score's exponent is the least of the base's and the rules'; when no rule can go below the
    # base's (a zero contribution has exponent 0), it is the base's for every row: not tracked per rule
    track = any(e < base_exp for e in (0, *_rule_exponents(path)))
    exponent = np.full(len(rows), base_exp, dtype=np.int64)
    for rule in path.rules:
        n = counts[rule.fact][rows]
        rule_exp = np.zeros(len(rows), dtype=np.int64) if track else None
        signed = _rule_points(pack, rule, n, rows, sums, scale, rule_exp)
        if rule_exp is not None:
            # a zero contribution is Decimal(0): exponent 0 (engine: `... if points else _ZERO`)
            np.minimum(exponent, np.where(signed != 0, rule_exp, 0), out=exponent)
        score += signed
        out.points[rule.id][rows] = signed
        out.applied[rule.id][rows] = True
    _band(path, rows, Num(score, scale), out)
    codes = _score_texts(score, exponent, scale, out.scores)
    out.score[rows] = codes


def _rule_exponents(path: CPath) -> list[int]:
    """Every exponent a rule's points can have (points, tiers, caps)."""
    found = []
    for rule in path.rules:
        values = [rule.points] if rule.mode in ("per_occurrence", "once") else [t.points for t in rule.tiers]
        values += [] if rule.cap is None else [rule.cap]
        found += [int(v.as_tuple().exponent) for v in values]
    return found


def _rule_points(
    pack: CompiledPack,
    rule: CRule,
    n: np.ndarray,
    rows: np.ndarray,
    sums: list[np.ndarray],
    scale: int,
    exponents: np.ndarray | None = None,
) -> np.ndarray:
    """A rule's signed points at ``scale`` for each of ``rows`` (``n``: their counts of its fact); with
    ``exponents``, each row's points' Decimal exponent is written there (points, tier or cap)."""
    if rule.mode in ("per_occurrence", "once"):
        each = number(rule.points).at(scale)
        pts = each * n if rule.mode == "per_occurrence" else np.where(n > 0, each, 0)
        if exponents is not None:
            exponents[:] = rule.points.as_tuple().exponent
    else:
        fact = pack.facts[rule.fact]
        measure = Num(sums[rule.fact][rows], 2) if fact.aggregate == "sum_amount" else Num(n, 0)
        pts = np.zeros(len(rows), dtype=np.int64)
        taken = np.zeros(len(rows), dtype=bool)
        for tier in rule.tiers:
            hit = _interval_mask(tier.interval, measure) & ~taken
            pts[hit] = number(tier.points).at(scale)
            if exponents is not None:
                exponents[hit] = tier.points.as_tuple().exponent
            taken |= hit
    if rule.cap is not None:
        cap = number(rule.cap).at(scale)
        if exponents is not None:
            exponents[pts > cap] = rule.cap.as_tuple().exponent
        pts = np.minimum(pts, cap)
    signed: np.ndarray = pts if rule.sign > 0 else -pts
    return signed


def _band_numbers(bands: CBandSet, values: Num, n: int, number: Callable[[str], int]) -> np.ndarray:
    """Per value, ``number(grade)`` of the first band holding it (within the domain), else -1."""
    found = np.full(n, -1, dtype=np.int64)
    inside = np.ones(n, dtype=bool) if bands.domain is None else _interval_mask(bands.domain, values)
    for band in bands.bands:
        hit = inside & (found < 0) & _interval_mask(band.interval, values)
        found = np.where(hit, number(band.grade), found)
    return found


def _band(path: CPath, rows: np.ndarray, score: Num, out: _Output) -> None:
    assert path.bands is not None
    grade = _band_numbers(path.bands, score, len(rows), out.grades.code)
    out.grade[rows] = grade
    out.status[rows] = np.where(grade >= 0, _GRADED, _NOT_EVALUABLE)
    out.reason[rows] = np.where(grade >= 0, -1, out.reasons.code("score_outside_bands"))


_PLAIN_DECIMAL = r"^-?[0-9]{1,12}(?:\.[0-9]{1,6})?$"


def _plain_decimals(words: pa.Array) -> tuple[np.ndarray, int] | None:
    """Decimal texts as integers at one scale (the most places written), if all are plainly written.

    ``-12.50`` at scale 2 is -1250, as ``int(Decimal(w).scaleb(scale))``; None if any text is
    spelled otherwise (exponent, spaces, signs other than a leading minus, too many digits).
    """
    if len(words) == 0:
        return np.zeros(0, dtype=np.int64), 0
    if not pc.all(pc.match_substring_regex(words, _PLAIN_DECIMAL)).as_py():
        return None
    dot = np.asarray(pc.find_substring(words, "."), dtype=np.int64)
    length = np.asarray(pc.binary_length(words), dtype=np.int64)  # ASCII only: bytes are characters
    places = np.where(dot >= 0, length - dot - 1, 0)
    scale = int(places.max())
    digits = np.asarray(pc.cast(pc.replace_substring(words, ".", ""), pa.int64()), dtype=np.int64)
    # at most 12 + 6 digits: below 2**63
    scaled: np.ndarray = digits * np.power(10, scale - places, dtype=np.int64)
    return scaled, scale


class _Supplied:
    """Distinct supplied scores (a value fact) per subject, first written form kept."""

    def __init__(self, fact: int, b: _Batch, fact_rows: list[np.ndarray], out: _Output) -> None:
        recs = fact_rows[fact]
        recs = recs[recs < b.nrecords]
        # the engine reads a subject's own records before its managed clinics' records, and keeps
        # the first written form among equal scores (a set keeps its first element)
        recs = recs[np.lexsort((recs, b.clinic[recs], b.sidx[recs]))]
        texts = pc.dictionary_encode(b.records.column("score").take(recs)).combine_chunks()
        plain = _plain_decimals(texts.dictionary)
        if plain is None:  # some other spelling Decimal accepts ("1e2", " 5"): parsed one by one
            parsed = [Decimal(w) for w in texts.dictionary.to_pylist()]
            self.scale = max((decimals(v) for v in parsed), default=0)
            scaled = np.array([int(v.scaleb(self.scale)) for v in parsed] + [0], dtype=np.int64)
        else:
            self.scale = plain[1]
            scaled = np.append(plain[0], 0)
        word = np.asarray(texts.indices.fill_null(-1), dtype=np.int64)
        value = scaled[word]
        sid = b.sidx[recs]
        present = word >= 0
        sid, value, word, order = sid[present], value[present], word[present], np.arange(len(word))[present]
        by_value = np.lexsort((order, value, sid))  # first record of each (subject, value) in engine order
        sv_sid, sv_val = sid[by_value], value[by_value]
        first = np.ones(len(by_value), dtype=bool)
        first[1:] = (sv_sid[1:] != sv_sid[:-1]) | (sv_val[1:] != sv_val[:-1])
        self.distinct = np.bincount(sv_sid[first], minlength=b.n)
        # each subject's distinct values in ascending order, with the first written form of each
        self.pair_sid, self.pair_value, self.pair_word = sv_sid[first], sv_val[first], word[by_value][first]
        self.word_code = np.append(out.scores.codes(texts.dictionary), -1)
        self.value = np.zeros(b.n, dtype=np.int64)
        one_word = np.full(b.n, -1, dtype=np.int64)
        self.value[sv_sid[first]] = sv_val[first]
        one_word[sv_sid[first]] = word[by_value][first]
        self.score_code = self.word_code[one_word]


def _external(path: CPath, rows: np.ndarray, b: _Batch, fact_rows: list[np.ndarray], out: _Output) -> None:
    """A supplied score per subject (external_score path): exactly one distinct value, banded."""
    assert path.score_fact is not None
    supplied = _Supplied(path.score_fact, b, fact_rows, out)
    d = supplied.distinct[rows]
    out.status[rows] = _NOT_EVALUABLE
    out.reason[rows] = np.where(d == 0, out.reasons.code("missing_score"), out.reasons.code("conflicting_scores"))
    single = rows[d == 1]
    out.score[single] = supplied.score_code[single]
    _band(path, single, Num(supplied.value[single], supplied.scale), out)


def _classify(
    pack: CompiledPack,
    path: CPath,
    rows: np.ndarray,
    counts: list[np.ndarray],
    b: _Batch,
    fact_rows: list[np.ndarray],
    out: _Output,
) -> None:
    """Worst matched class, else the default; with a supplied score, the worse of class and band.

    Only subjects without records of list kinds come here, so no list is active for them and a
    ``while_listed`` class cannot match (engine: ``cls.while_listed not in active_lists``).
    """
    order = pack.grade_order
    assert path.default_grade is not None
    rank = np.full(len(rows), -1, dtype=np.int64)
    for cls in path.classes:
        if cls.while_listed is not None or not cls.criteria:
            continue
        matched = np.zeros(len(rows), dtype=bool)
        for f in cls.criteria:
            matched |= counts[f][rows] > 0
        rank = np.where(matched & (order[cls.grade] > rank), order[cls.grade], rank)
    rank = np.where(rank < 0, order[path.default_grade], rank)
    out.status[rows] = _GRADED
    out.reason[rows] = -1
    if path.score_fact is not None and path.bands is not None:
        supplied = _Supplied(path.score_fact, b, fact_rows, out)
        d = supplied.distinct[rows]
        score = Num(supplied.value[rows], supplied.scale)
        band = _band_numbers(path.bands, score, len(rows), order.__getitem__)
        out.score[rows] = np.where(d == 1, supplied.score_code[rows], -1)
        conflicting, outside = d > 1, (d == 1) & (band < 0)
        out.status[rows] = np.where(conflicting | outside, _NOT_EVALUABLE, _GRADED)
        out.reason[rows] = np.where(
            conflicting,
            out.reasons.code("conflicting_scores"),
            np.where(outside, out.reasons.code("score_outside_bands"), -1),
        )
        rank = np.where((d == 1) & (band > rank), band, rank)
        rank = np.where(conflicting | outside, -1, rank)
    grade_ids = [g.id for g in pack.model.grades]
    codes = np.array([out.grades.code(g) for g in grade_ids] + [-1], dtype=np.int64)
    out.grade[rows] = codes[rank]


def _agree(
    pack: CompiledPack,
    path: CPath,
    rows: np.ndarray,
    counts: list[np.ndarray],
    b: _Batch,
    fact_rows: list[np.ndarray],
    out: _Output,
) -> None:
    """``combine: agree`` (:func:`medcredit.engine.agreeing.classify_agreeing`) over whole columns.

    Each matched class and the band of each distinct supplied score name a grade; exactly one
    grade named and at most one score grades, a score outside the bands (the smallest such one
    is reported) is ``score_outside_bands``, several grades or scores are ``conflicting_scores``,
    nothing named is ``missing_score``.
    """
    grade_ids = [g.id for g in pack.model.grades]
    named = np.zeros((len(rows), len(grade_ids)), dtype=bool)
    for cls in path.classes:
        for f in cls.criteria:
            named[:, grade_ids.index(cls.grade)] |= counts[f][rows] > 0
    distinct = np.zeros(len(rows), dtype=np.int64)
    score = np.full(len(rows), -1, dtype=np.int64)
    outside = np.zeros(len(rows), dtype=bool)
    outside_score = np.full(len(rows), -1, dtype=np.int64)
    if path.score_fact is not None and path.bands is not None:
        supplied = _Supplied(path.score_fact, b, fact_rows, out)
        distinct = supplied.distinct[rows]
        score = supplied.score_code[rows]
        position = np.full(b.n, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        at = position[supplied.pair_sid]
        mine = at >= 0
        at, value, word = at[mine], supplied.pair_value[mine], supplied.pair_word[mine]
        band = _band_numbers(path.bands, Num(value, supplied.scale), len(at), grade_ids.index)
        named[at[band >= 0], band[band >= 0]] = True
        # pairs are sorted by subject, then value: the first outside pair of a subject is its smallest
        out_at, first = np.unique(at[band < 0], return_index=True)
        outside[out_at] = True
        outside_score[out_at] = supplied.word_code[word[band < 0][first]]
    several = named.sum(axis=1)
    graded = ~outside & (several == 1) & (distinct <= 1)
    codes = np.array([out.grades.code(g) for g in grade_ids], dtype=np.int64)
    out.status[rows] = np.where(graded, _GRADED, _NOT_EVALUABLE)
    out.grade[rows] = np.where(graded, codes[np.argmax(named, axis=1)], -1)
    out.score[rows] = np.where(outside, outside_score, np.where(distinct == 1, score, -1))
    reason = np.where(several > 0, out.reasons.code("conflicting_scores"), out.reasons.code("missing_score"))
    reason = np.where(outside, out.reasons.code("score_outside_bands"), reason)
    out.reason[rows] = np.where(graded, -1, reason)


def evaluate_table(
    pack: CompiledPack,
    subjects: pa.Table,
    records: pa.Table,
    *,
    cycle: int,
    override_validity: bool = False,
    trace_ids: Iterable[str] = (),
    subjects_name: str = "subjects",
    records_name: str = "records",
    slice_subjects: int = SLICE_SUBJECTS,
    threads: int | None = None,
) -> pa.Table:
    """Grade every subject of ``subjects`` (with its ``records``) for ``cycle``.

    Returns one row per subject, in input order: ``id``, ``category``, ``status``,
    ``reason``, ``path``, ``grade``, ``score`` (decimal text, as the per-subject engine
    writes it), ``exclusions``, ``measures``, ``evaluated_by`` (``columnar``, or why the
    per-subject engine graded the row), one ``rule:<id>`` column per scorecard rule (its
    signed points; null where the rule was not applied: the trace matrix) and
    ``trace``: the full ``medcredit.trace/1`` JSON for the subjects in ``trace_ids``.  A trace id that is not
    the id of a subject of the input is an :class:`~medcredit.diagnostics.errors.ArgumentError` (a misspelt id
    would otherwise just give no trace).

    Subjects are validated and graded ``slice_subjects`` at a time (with their records), on
    ``threads`` threads (None: one per available core); the table is the same whatever the slice
    size and the number of threads, and so is the error when the input has problems.
    """
    trace_set = check_table_arguments(
        pack, subjects, records, cycle, override_validity, trace_ids, slice_subjects, threads
    )
    overridden = False
    if not check_validity(pack, cycle):
        if not override_validity:
            raise ValidityError(validity_message(pack, cycle))
        overridden = True
    plan = plan_for(pack)
    sliced = slicing(subjects, records, slice_subjects)
    if sliced is not None:
        workers = min(threads if threads is not None else available_cores(), sliced.count)
        table = _in_slices(
            pack, plan, subjects, records, sliced, cycle, override_validity, overridden, trace_set, workers
        )
        if table is None and isinstance(sliced, Grouped) and sliced.held is False:
            # the records were not grouped in subject order after all, or an id repeats across slices:
            # the slices graded are dropped, and every record is joined first
            whole = joined_whole(subjects, records, slice_subjects)
            if whole is not None:
                table = _in_slices(
                    pack, plan, subjects, records, whole, cycle, override_validity, overridden, trace_set, workers
                )
        if table is not None:
            return _all_traced(table, trace_set)
    tables = validate(subjects, records, subjects_name=subjects_name, records_name=records_name)
    out = _Output(pack, plan, tables.subjects.num_rows)
    traces = _grade(pack, plan, tables, cycle, override_validity, trace_set, out)
    table = _table(
        pack,
        plan,
        cycle,
        overridden,
        out,
        traces,
        tables.subjects.column("id").combine_chunks(),
        tables.subjects.column("category").combine_chunks(),
    )
    return _all_traced(table, trace_set)


def _all_traced(table: pa.Table, trace_ids: frozenset[str]) -> pa.Table:
    """``table``, once every id of ``trace_ids`` is known to be the id of one of its subjects."""
    if not trace_ids:
        return table
    asked = pa.array(sorted(trace_ids), pa.string())
    unknown = asked.filter(pc.invert(pc.is_in(asked, value_set=table.column("id").combine_chunks()))).to_pylist()
    if unknown:
        shown = ", ".join(repr(x[:80]) for x in unknown[:10]) + (
            f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        )
        raise ArgumentError(f"trace_ids: no subject has the id {shown}")
    return table


def _in_slices(
    pack: CompiledPack,
    plan: Plan,
    subjects: pa.Table,
    records: pa.Table,
    sliced: Partition | Grouped,
    cycle: int,
    override_validity: bool,
    overridden: bool,
    trace_set: frozenset[str],
    threads: int,
) -> pa.Table | None:
    """The results table graded slice by slice on ``threads`` threads; None: some slice has a problem.

    (The caller then validates the whole tables, whose error names the original rows.)
    """
    out = _Output(pack, plan, subjects.num_rows)
    nulls = Nulls()

    def grade_piece(piece: Piece) -> tuple[Piece, Tables, dict[int, str], tuple[pa.Array, pa.Array]] | None:
        tables = validate_part(piece.subjects, piece.records, piece.record_subject, nulls)
        if tables is None:
            return None
        part = out.part(piece.start, piece.start + tables.subjects.num_rows)
        try:
            found = _grade(pack, plan, tables, cycle, override_validity, trace_set, part)
        except HistoryError:
            return None  # a subject the engine cannot read: one error, as for the whole tables
        # the slice's list columns made here, on the slice's thread (the results table takes them as chunks)
        return piece, tables, found, _lists(pack, part)

    traces: dict[int, str] = {}
    chunks: dict[str, list[pa.Array]] = {"id": [], "category": [], "exclusions": [], "measures": []}
    with contextlib.closing(in_order(grade_piece, sliced.pieces(subjects, records), threads)) as graded_pieces:
        for graded in graded_pieces:
            if graded is None:
                return None
            piece, tables, found, (exclusions, measures) = graded
            traces.update((piece.start + row, text) for row, text in found.items())
            chunks["id"].extend(tables.subjects.column("id").chunks)
            chunks["category"].extend(tables.subjects.column("category").chunks)
            chunks["exclusions"].append(exclusions)
            chunks["measures"].append(measures)
    if not sliced.held:
        return None
    whole = {name: pa.chunked_array(arrays) for name, arrays in chunks.items()}
    lists = (whole["exclusions"], whole["measures"])
    return _table(pack, plan, cycle, overridden, out, traces, whole["id"], whole["category"], lists)


def _grade(
    pack: CompiledPack,
    plan: Plan,
    tables: Tables,
    cycle: int,
    override_validity: bool,
    trace_set: frozenset[str],
    out: _Output,
) -> dict[int, str]:
    """Fill ``out`` for the subjects of ``tables``; the requested traces by row."""
    b = _Batch(pack, tables, cycle)
    categories = [c.value for c in SubjectCategory]
    category = (
        tables.subject_category
        if tables.subject_category is not None
        else _codes(tables.subjects.column("category"), categories)
    )
    out.category[:] = category
    path_of_category: dict[int, CPath] = {}
    fallback = np.zeros(b.n, dtype=np.int64)
    for code, name in enumerate(categories):
        rows = category == code
        if name not in pack.model.categories:
            out.status[rows], out.reason[rows] = _OUT_OF_SCOPE, out.reasons.code("category_not_covered")
        elif name in pack.roll_up:
            out.status[rows], out.reason[rows] = _ROLLED_UP, out.reasons.code("rolled_up_into_parent")
        elif name not in pack.path_by_category:
            out.status[rows], out.reason[rows] = _OUT_OF_SCOPE, out.reasons.code("no_grading_path")
        else:
            path = pack.path_by_category[name]
            path_of_category[code] = path
            out.path[rows] = out.paths.code(path.id)
            why = plan.pack_reason or plan.path_reasons.get(path.id)
            if why is not None:
                fallback[rows] = out.fallbacks.code(why)
    if plan.list_kinds and plan.pack_reason is None:
        listed = _lut(b.kinds, plan.list_kinds)[b.kind]
        subjects_listed = np.zeros(b.n, dtype=bool)
        subjects_listed[b.sidx[listed]] = True
        on_path = out.path >= 0
        fallback[subjects_listed & on_path & (fallback == 0)] = out.fallbacks.code(
            "records that feed a list (list status, while_listed classes, linked consequences)"
        )
    fact_rows = _fact_rows(pack, b)
    # one array per fact (a list, not a facts × subjects matrix: no copy, and no sums for count facts)
    counts: list[np.ndarray] = []
    nothing = np.zeros(b.n, dtype=np.int64)
    nothing.flags.writeable = False
    sums: list[np.ndarray] = []
    for fact, m in zip(pack.facts, fact_rows, strict=True):
        owner = b.sidx[m]
        counts.append(np.bincount(owner, minlength=b.n))
        if fact.aggregate != "sum_amount":
            sums.append(nothing)
            continue
        fen = b.fen(m)
        if int(fen.sum()) < 2**53:  # float64 bincount weights stay exact below 2**53 fen
            sums.append(np.bincount(owner, weights=fen, minlength=b.n).astype(np.int64))
        else:
            total = np.zeros(b.n, dtype=np.int64)
            np.add.at(total, owner, fen)
            sums.append(total)
    vector = (out.path >= 0) & (fallback == 0)
    _exclusions(pack, tables, b, counts, sums, category, categories, cycle, vector, out)
    graded = vector & ~out.hits.any(axis=1)
    out.status[vector & ~graded] = _EXCLUDED
    out.reason[vector & ~graded] = out.reasons.code("excluded")
    # the categories of one path graded together: one pass per rule, not one per category
    codes_of_path: dict[str, list[int]] = {}
    for code, path in path_of_category.items():
        codes_of_path.setdefault(path.id, []).append(code)
    for codes in codes_of_path.values():
        path = path_of_category[codes[0]]
        on = category == codes[0] if len(codes) == 1 else np.isin(category, codes)
        rows = np.flatnonzero(graded & on)
        if len(rows) == 0:  # e.g. a path whose subjects all fall back
            continue
        if path.method == "scorecard":
            _scorecard(pack, plan, path, rows, counts, sums, out)
        elif path.method == "external_score":
            _external(path, rows, b, fact_rows, out)
        elif path.combine == "agree":
            _agree(pack, path, rows, counts, b, fact_rows, out)
        else:
            _classify(pack, path, rows, counts, b, fact_rows, out)
    out.by[:] = fallback
    return _engine(pack, tables, b, cycle, override_validity, fallback, trace_set, plan, out)


def _exclusions(
    pack: CompiledPack,
    tables: Tables,
    b: _Batch,
    counts: list[np.ndarray],
    sums: list[np.ndarray],
    category: np.ndarray,
    categories: list[str],
    cycle: int,
    rows: np.ndarray,
    out: _Output,
) -> None:
    if not pack.exclusions or not rows.any():
        return  # nothing vectorised (e.g. an exclusion the vectoriser refuses sends every subject to the engine)
    used = {n for e in pack.exclusions for n in e.expression.names}
    names: dict[str, Value] = {"cycle": Num(np.asarray(cycle), 0)}
    # text columns (object arrays) only for the names the expressions read
    if "category" in used:
        names["category"] = np.array([*categories, ""], dtype=object)[category]
    if "subject_type" in used:
        institution = np.array([SubjectCategory(c) in INSTITUTION_CATEGORIES for c in categories] + [False])
        names["subject_type"] = np.array(["individual", "institution"], dtype=object)[
            institution[category].astype(np.int64)
        ]
    if used & {"operated_months_in_cycle", "agreement_end_reason"}:
        months, reasons = _operation(pack, tables, b, "agreement_end_reason" in used)
        names["operated_months_in_cycle"] = Num(months, 0)
        if len(reasons):
            names["agreement_end_reason"] = reasons
    for fact in pack.facts:
        if fact.aggregate == "count":
            names[fact.id] = Num(counts[fact.index], 0)
        elif fact.aggregate == "sum_amount":
            names[fact.id] = Num(sums[fact.index], 2)
        elif fact.aggregate == "any":
            names[fact.id] = counts[fact.index] > 0
    for k, exc in enumerate(pack.exclusions):
        out.hits[:, k] = evaluate_bool(exc.expression, names, b.n) & rows


def _engine(
    pack: CompiledPack,
    tables: Tables,
    b: _Batch,
    cycle: int,
    override_validity: bool,
    fallback: np.ndarray,
    trace_ids: frozenset[str],
    plan: Plan,
    out: _Output,
) -> dict[int, str]:
    """The per-subject engine for fallback rows (results) and for requested traces."""
    ids = tables.subjects.column("id")
    wanted = (
        np.flatnonzero(_mask(pc.is_in(ids, value_set=pa.array(sorted(trace_ids), pa.string()))))
        if trace_ids
        else np.zeros(0, np.int64)
    )
    rows = np.union1d(np.flatnonzero(fallback > 0), wanted).astype(np.int64)
    traces: dict[int, str] = {}
    if len(rows) == 0:
        return traces
    own = b.sidx[: b.nrecords]
    order = np.argsort(own, kind="stable")
    starts = np.searchsorted(own[order], rows, side="left")
    stops = np.searchsorted(own[order], rows, side="right")
    groups = [order[a:z].tolist() for a, z in zip(starts, stops, strict=True)]
    trace_rows = set(wanted.tolist())
    for chunk in range(0, len(rows), 1000):
        part = rows[chunk : chunk + 1000]
        try:
            built = rows_to_subjects(tables.subjects, tables.records, part.tolist(), groups[chunk : chunk + 1000])
        except ValidationError as exc:
            raise HistoryError("a table row does not form a valid subject", _row_problems(exc, part)) from None
        for row, subject in zip(part.tolist(), built, strict=True):
            result = evaluate(pack, subject, cycle, trace=True, override_validity=override_validity)
            if row in trace_rows:
                traces[row] = to_json(result, pack)
            if fallback[row] > 0:
                _take_result(result, row, plan, out)
    return traces


def _row_problems(exc: ValidationError, rows: np.ndarray) -> list[Problem]:
    return [
        Problem(
            code="table-subject",
            message=f"{e['msg']} (at {'.'.join(map(str, e['loc']))})",
            file="subjects",
            path=("subjects",),
        )
        for e in exc.errors()[:20]
    ] or [Problem(code="table-subject", message=str(exc), file="subjects")]


def _measures_column(
    combos: np.ndarray, combo: np.ndarray, ids: list[str], engine: dict[int, tuple[str, ...]]
) -> pa.Array:
    """The measures of each row's (grade, category) combination, or the engine's own list for rows it graded.

    One list per combination (and per engine-graded row), taken by index: no per-row work in Python.
    """
    lists = [[m for m, on in zip(ids, row, strict=True) if on] for row in combos.tolist()]
    index = combo.astype(np.int32, copy=True)
    for row, measures in sorted(engine.items()):
        index[row] = len(lists)
        lists.append([m for m in ids if m in measures])
    return pa.array(lists, pa.list_(pa.string())).take(pa.array(index))


def _take_result(result: Result, row: int, plan: Plan, out: _Output) -> None:
    out.status[row] = STATUSES.index(result.status)
    out.reason[row] = -1 if result.reason is None else out.reasons.code(result.reason)
    out.grade[row] = -1 if result.grade is None else out.grades.code(result.grade)
    out.score[row] = -1 if result.score is None else out.scores.code(str(result.score))
    out.path[row] = -1 if result.path is None else out.paths.code(result.path)
    for k, exc in enumerate(out.exclusion_ids):
        out.hits[row, k] = exc in result.exclusions
    out.engine_measures[out.offset + row] = result.measures
    scale = plan.scale
    for step in result.steps:
        if step.kind == "rule" and step.ref in out.points and step.points is not None:
            out.points[step.ref][row] = int(step.points.scaleb(scale))
            out.applied[step.ref][row] = True


def _list_column(matrix: np.ndarray, words: list[str]) -> pa.Array:
    """Row i lists the words whose column is set in ``matrix[i]``."""
    if len(matrix) == 0:  # no subjects (an empty batch, or the schema of an empty Spark partition)
        return pa.array([], pa.list_(pa.string()))
    if 0 < len(words) <= 16:
        # few words: each row's set as a bit pattern, the list of each pattern that occurs built once
        pattern = np.zeros(len(matrix), dtype=np.uint16)  # word k is bit k
        for k in range(len(words)):
            pattern |= matrix[:, k].view(np.uint8).astype(np.uint16) << k
        present = np.flatnonzero(np.bincount(pattern, minlength=1))
        sets = [[w for k, w in enumerate(words) if p >> k & 1] for p in present.tolist()]
        lists = pa.array(sets, pa.list_(pa.string()))
        slot = np.zeros(int(present[-1]) + 1, dtype=np.int32)
        slot[present] = np.arange(len(present))
        return lists.take(pa.array(slot[pattern]))
    lengths = matrix.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    _, cols = np.nonzero(matrix)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(words, pa.string()).take(pa.array(cols)))


def _decimal_column(words: np.ndarray, valid: np.ndarray, scale: int) -> pa.Array:
    """Exact decimals from unscaled integers in the low words of ``words`` (no float on the way)."""
    np.right_shift(words[:, 0], 63, out=words[:, 1])  # two's complement sign extension to 128 bits
    nulls = len(words) - int(np.count_nonzero(valid))
    validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    data = pa.py_buffer(words)  # the array keeps the numpy buffer alive: no copy
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(words), [validity, data], nulls)


def _lists(pack: CompiledPack, out: _Output) -> tuple[pa.Array, pa.Array]:
    """The ``exclusions`` and ``measures`` columns of the rows of ``out`` (the whole output, or a slice's part)."""
    categories = [c.value for c in SubjectCategory]
    measure_ids = [m.id for m in pack.model.measures]
    combos = np.zeros((len(out.grades.words) * len(categories) + 1, len(measure_ids)), dtype=bool)
    for (grade, cat), ms in pack.measures.items():
        if cat in categories:
            for m in ms:
                combos[out.grades.code(grade) * len(categories) + categories.index(cat), measure_ids.index(m.id)] = True
    category = out.category
    combo = np.where((out.grade >= 0) & (category >= 0), out.grade * len(categories) + category, len(combos) - 1)
    engine = {row - out.offset: ms for row, ms in out.engine_measures.items()}  # this output's rows only
    return _list_column(out.hits, out.exclusion_ids), _measures_column(combos, combo, measure_ids, engine)


def _table(
    pack: CompiledPack,
    plan: Plan,
    cycle: int,
    overridden: bool,
    out: _Output,
    traces: dict[int, str],
    ids: pa.Array | pa.ChunkedArray,
    category_texts: pa.Array | pa.ChunkedArray,
    lists: tuple[pa.Array | pa.ChunkedArray, pa.Array | pa.ChunkedArray] | None = None,
) -> pa.Table:
    """The results table; ``lists``: its ``exclusions`` and ``measures`` columns when already made (slice by slice)."""
    n = len(out.status)
    exclusions, measures = _lists(pack, out) if lists is None else lists
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "id": ids,
        "category": category_texts,
        "status": _Vocab(STATUSES).array(out.status),
        "reason": out.reasons.array(out.reason),
        "path": out.paths.array(out.path),
        "grade": out.grades.array(out.grade),
        "score": out.scores.array(out.score),
        "exclusions": exclusions,
        "measures": measures,
        "evaluated_by": out.fallbacks.array(out.by),
    }
    for rid in plan.rules:
        columns[f"rule:{rid}"] = _decimal_column(out.rule_words[rid], out.applied[rid], plan.scale)
    if traces:
        trace_rows = np.array(sorted(traces), dtype=np.int64)
        text = np.full(n, None, dtype=object)
        text[trace_rows] = [traces[r] for r in trace_rows.tolist()]
        columns["trace"] = pa.array(text, pa.large_string())
    else:
        columns["trace"] = pa.nulls(n, pa.large_string())
    by_reason = {
        why: count
        for code, why in enumerate(out.fallbacks.words)
        if code > 0 and (count := int(np.count_nonzero(out.by == code)))
    }
    metadata = {
        "medcredit.format": FORMAT,
        "medcredit.pack_id": pack.id,
        "medcredit.pack_hash": pack.content_hash,
        "medcredit.cycle": str(cycle),
        "medcredit.validity_overridden": json.dumps(overridden),
        "medcredit.fallback": json.dumps(
            {"pack": plan.pack_reason, "paths": plan.path_reasons, "subjects_by_reason": by_reason},
            ensure_ascii=False,
            sort_keys=True,
        ),
    }
    table = pa.table(columns)
    return table.replace_schema_metadata(metadata)


def fallback_info(table: pa.Table) -> dict[str, Any]:
    """The ``medcredit.fallback`` metadata of a results table, decoded."""
    meta = table.schema.metadata or {}
    return dict(json.loads(meta[b"medcredit.fallback"]))
