"""The two input tables of the columnar path, and their validation.

A **subjects** table has one row per credit subject; a **records** table has one
row per dated record, linked by ``subject_id``.  Columns mirror the fields of
:class:`medcredit.history.model.Subject` and :class:`~medcredit.history.model.Record`
(nested objects are flattened: ``document_kind``, ``objection_status`` …; a
managed village clinic's records carry its ``clinic_id``).  Only ``id`` and
``category`` (subjects) and ``subject_id``, ``kind`` and ``date`` (records) are
required; a missing optional column means "null in every row".

Validation applies the rules of the pydantic models to whole columns and
reports every bad cell as a :class:`~medcredit.diagnostics.problems.Problem`
naming the table, the row (1-based, as ``line``) and the column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from medcredit.columnar.keys import subject_rows
from medcredit.diagnostics.arguments import FIRST_DAY, LAST_DAY
from medcredit.diagnostics.errors import HistoryError
from medcredit.diagnostics.problems import Problem, suggest
from medcredit.history.catalogue import catalogue
from medcredit.history.model import REQUIRED_FIELDS, SEVERITIES, SubjectCategory

#: Fen are exact: amounts are decimals with at most two places (Parquet DECIMAL).
AMOUNT_TYPE = pa.decimal128(17, 2)

LINKED_PERSON_TYPE = pa.struct([("role", pa.string()), ("id", pa.string()), ("name", pa.string())])

SUBJECT_COLUMNS: dict[str, pa.DataType] = {
    "id": pa.string(),
    "category": pa.string(),
    "name": pa.string(),
    "parent_id": pa.string(),
    "opened": pa.date32(),
    "agreement_end_date": pa.date32(),
    "agreement_end_reason": pa.string(),
    "linked_persons": pa.list_(LINKED_PERSON_TYPE),
}
SUBJECT_REQUIRED = ("id", "category")

RECORD_COLUMNS: dict[str, pa.DataType] = {
    "subject_id": pa.string(),
    "clinic_id": pa.string(),
    "clinic_name": pa.string(),
    "kind": pa.string(),
    "date": pa.date32(),
    "id": pa.string(),
    "code": pa.string(),
    "amount": AMOUNT_TYPE,
    "reason": pa.string(),
    "year": pa.int32(),
    # decimal text, kept as written: a result shows an assessment score exactly as supplied
    "score": pa.string(),
    "months": pa.int32(),
    "method": pa.string(),
    "publicity_start": pa.date32(),
    "fulfilled": pa.bool_(),
    "term_months": pa.int32(),
    "term_end": pa.date32(),
    "referred_to_judiciary": pa.bool_(),
    "level": pa.string(),
    "heavier": pa.bool_(),
    "ref": pa.string(),
    "unrepairable": pa.bool_(),
    "serious_impact": pa.bool_(),
    "publicity_end": pa.date32(),
    "severity": pa.string(),
    # decimal text, as written (at most two places)
    "points": pa.string(),
    "document_kind": pa.string(),
    "document_number": pa.string(),
    "document_date": pa.date32(),
    "objection_filed": pa.date32(),
    "objection_status": pa.string(),
    "objection_resolved": pa.date32(),
    "objection_reason": pa.string(),
    "note": pa.string(),
}
RECORD_REQUIRED = ("subject_id", "kind", "date")

#: Record columns that are fields of the record itself (the catalogue says which kinds take them).
_KIND_FIELDS = (
    *("code", "amount", "reason", "year", "score", "months", "method", "publicity_start", "fulfilled"),
    *("term_months", "term_end", "referred_to_judiciary", "level", "heavier", "ref", "unrepairable", "serious_impact"),
    *("publicity_end", "severity", "points"),
)
_RANGES = {"year": (1990, 2200), "months": (0, 1200), "term_months": (0, 1200)}
_CHOICES = {
    "method": ("on_site", "online", "special", "other"),
    "severity": SEVERITIES,
    "document_kind": ("judgment", "arbitration", "administrative_decision", "other_legal_basis"),
    "objection_status": ("pending", "upheld", "corrected", "rejected", "deleted_unverifiable"),
}
_LENGTHS = {"id": 200, "ref": 200, "note": 2000, "objection_reason": 2000, "clinic_id": 64, "clinic_name": 200}
_SUBJECT_LENGTHS = {"id": 64, "name": 200, "parent_id": 64}
_MAX_PROBLEMS = 200


@dataclass(frozen=True, slots=True)
class Tables:
    """Validated input: every column of the schema present, with its schema type."""

    subjects: pa.Table
    records: pa.Table
    record_subject: np.ndarray  # row of each record's subject in ``subjects``
    #: each record's kind and code as an index into the sorted catalogue kinds and violation codes
    #: (-1: null or unknown), from the one dictionary encoding validation made of each column
    record_kind: np.ndarray | None = None
    record_code: np.ndarray | None = None
    #: each subject's category as an index into the SubjectCategory values (-1: null), likewise
    subject_category: np.ndarray | None = None


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def cells(
        self, table: str, column: str, mask: np.ndarray, code: str, message: str, values: pa.Array | None = None
    ) -> None:
        """One problem per offending row (the first ones; the count says how many)."""
        if not mask.any():  # the usual case: one quick pass, no index array
            return
        rows = np.flatnonzero(mask)
        for row in rows[: max(0, _MAX_PROBLEMS - len(self.problems))]:
            text = message
            if values is not None:
                text = message.format(value=values[int(row)].as_py())
            self.problems.append(
                Problem(
                    code=f"table-{code}", message=text, file=table, line=int(row) + 1, path=(table, int(row), column)
                )
            )
        if len(rows) > 1 and len(self.problems) >= _MAX_PROBLEMS:
            self.problems.append(
                Problem(
                    code="table-more",
                    message=f"{len(rows)} rows of column '{column}' have this problem: "
                    + message.replace("{value}", "…"),
                    file=table,
                    path=(table, column),
                )
            )

    def column(self, table: str, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(code=f"table-{code}", message=message, file=table, path=(table, column)))


class Nulls:
    """All-null columns, one of each type, shared by the slices of one call (sliced, not remade)."""

    def __init__(self) -> None:
        self.made: dict[pa.DataType, pa.Array] = {}

    def __call__(self, length: int, kind: pa.DataType) -> pa.Array:
        found = self.made.get(kind)
        if found is None or len(found) < length:
            found = self.made[kind] = pa.nulls(length, kind)
        return found if len(found) == length else found.slice(0, length)


def _conform(
    table: pa.Table,
    name: str,
    columns: dict[str, pa.DataType],
    required: tuple[str, ...],
    out: _Collector,
    nulls: Nulls | None = None,
) -> pa.Table | None:
    """All schema columns in schema order and type; unknown or ill-typed columns are problems."""
    nulls = Nulls() if nulls is None else nulls
    arrays = []
    for column in table.column_names:
        if column not in columns:
            out.column(name, column, "unknown-column", f"unknown column '{column}'" + _did_you_mean(column, columns))
    for column, wanted in columns.items():
        if column not in table.column_names:
            if column in required:
                out.column(name, column, "missing-column", f"required column '{column}' is missing")
            arrays.append(nulls(len(table), wanted))
            continue
        chunked = table.column(column)
        if chunked.type == wanted and chunked.null_count == len(chunked):
            arrays.append(nulls(len(chunked), wanted))  # nothing to join: an unused column costs nothing
            continue
        if column == "subject_id" and chunked.type == wanted:
            # read only through the join (and for the values of error messages): left in its chunks,
            # where joining them would copy a slice's every id
            arrays.append(chunked)
            continue
        data = _one(chunked) if table.num_rows else pa.array([], wanted)
        if data.type != wanted:
            try:
                data = _cast(data, wanted)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                out.column(
                    name, column, "column-type", f"column '{column}' has type {data.type}, expected {wanted} ({exc})"
                )
                arrays.append(pa.nulls(len(table), wanted))
                continue
        arrays.append(data)
    if out.problems:
        return None
    return pa.table(arrays, names=list(columns))


def _cast(data: pa.Array, wanted: pa.DataType) -> pa.Array:
    if pa.types.is_decimal(wanted):
        if not pa.types.is_decimal(data.type) and not pa.types.is_null(data.type):
            raise pa.ArrowTypeError("amounts must be decimals (never floats)")
        if pa.types.is_decimal(data.type) and data.type.scale > wanted.scale:
            raise pa.ArrowTypeError("at most two decimal places")
    if pa.types.is_string(wanted) and pa.types.is_large_string(data.type):
        return data.cast(wanted)
    if pa.types.is_date(wanted) and not (pa.types.is_date(data.type) or pa.types.is_null(data.type)):
        raise pa.ArrowTypeError("dates must be a date type")
    return data.cast(wanted, safe=True)


def _did_you_mean(name: str, known: dict[str, pa.DataType]) -> str:
    guess = suggest(name, known)
    return f"; did you mean '{guess}'?" if guess else ""


def _null(data: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if data.null_count == 0:
        return np.zeros(len(data), dtype=bool)
    if data.null_count == len(data):
        return np.ones(len(data), dtype=bool)
    return ~valid_bits(one_array(data) if isinstance(data, pa.ChunkedArray) else data)


def valid_bits(data: pa.Array) -> np.ndarray:
    """Which values of ``data`` are not null, unpacked straight from its validity bitmap.

    (About a tenth of the time of ``is_null().to_numpy()``, which builds a boolean array first.)
    """
    if data.null_count == 0:
        return np.ones(len(data), dtype=bool)
    if data.null_count == len(data):
        return np.zeros(len(data), dtype=bool)
    first = data.offset
    bitmap = np.frombuffer(data.buffers()[0], dtype=np.uint8)[first >> 3 : (first + len(data) + 7) >> 3]
    bits: np.ndarray = np.unpackbits(bitmap, bitorder="little")[first & 7 : (first & 7) + len(data)].view(bool)
    return bits


def _not_in(data: pa.Array, allowed: list[str] | tuple[str, ...]) -> np.ndarray:
    """Rows with a value outside ``allowed`` (nulls are not flagged)."""
    if data.null_count == len(data):
        return np.zeros(len(data), dtype=bool)
    value_set = pa.array(list(allowed), data.type)
    # the few distinct values first: a whole column of known words costs one hash pass
    if pc.all(pc.is_in(pc.unique(data).drop_null(), value_set=value_set)).as_py() is not False:
        return np.zeros(len(data), dtype=bool)
    found = np.asarray(pc.is_in(data, value_set=value_set).to_numpy(zero_copy_only=False), dtype=bool)
    flagged: np.ndarray = ~found & ~_null(data)
    return flagged


def _too_long(data: pa.Array, limit: int) -> np.ndarray:
    if data.null_count == len(data):
        return np.zeros(len(data), dtype=bool)
    # a text has no more characters than UTF-8 bytes: the byte lengths (from the offsets) usually settle it
    if pa.types.is_string(data.type) and (pc.max(pc.binary_length(data)).as_py() or 0) <= limit:
        return np.zeros(len(data), dtype=bool)
    lengths = pc.utf8_length(data)
    if (pc.max(lengths).as_py() or 0) <= limit:
        return np.zeros(len(data), dtype=bool)
    return np.asarray(pc.greater(lengths, limit).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _unprintable(data: pa.Array) -> np.ndarray:
    """Rows whose text is not printable (``str.isprintable``: the history model's rule for ids).

    The UTF-8 bytes are scanned first: ids are ASCII, and with no control byte and no byte past ASCII
    every row is printable.  Otherwise each distinct text is judged as Python judges it.
    """
    none = np.zeros(len(data), dtype=bool)
    if data.null_count == len(data) or not pa.types.is_string(data.type):
        return none
    offsets = np.frombuffer(data.buffers()[1], dtype=np.int32)[data.offset : data.offset + len(data) + 1]
    text = np.frombuffer(data.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if not ((text < 0x20) | (text >= 0x7F)).any():
        return none
    bad = [word for word in pc.unique(data).drop_null().to_pylist() if not word.isprintable()]
    if not bad:
        return none
    return np.asarray(pc.is_in(data, value_set=pa.array(bad, data.type)).fill_null(False), dtype=bool)


_UNPRINTABLE = "'{column}' has a control or invisible character (an id is printable text): {{value}}"


def _negative(amounts: pa.Array) -> np.ndarray:
    """Negative decimal128 amounts: the sign of the high 64-bit word, read in place."""
    if amounts.null_count == len(amounts):
        return np.zeros(len(amounts), dtype=bool)
    words = np.frombuffer(amounts.buffers()[1], dtype="<i8")[2 * amounts.offset : 2 * (amounts.offset + len(amounts))]
    negative: np.ndarray = words[1::2] < 0
    if amounts.null_count:
        negative &= ~_null(amounts)
    return negative


def one_array(data: pa.ChunkedArray) -> pa.Array:
    """One contiguous array (no copy when there is one chunk already)."""
    return data.chunk(0) if data.num_chunks == 1 else data.combine_chunks()


_one = one_array


def validate(
    subjects: pa.Table, records: pa.Table, *, subjects_name: str = "subjects", records_name: str = "records"
) -> Tables:
    """Conform both tables to the schema and check every cell; raise HistoryError listing every problem."""
    return _validate(subjects, records, subjects_name, records_name, None)


def validate_part(
    subjects: pa.Table, records: pa.Table, record_subject: np.ndarray, nulls: Nulls | None = None
) -> Tables | None:
    """:func:`validate` for a slice of the subjects and the records of those subjects; None: a problem.

    ``record_subject`` (each record's row in ``subjects``) comes from the join the caller made over
    the whole tables, which also found no repeated subject id and no record without its subject:
    every other rule is about one cell or one row, so the whole tables pass if every slice does.
    A slice with a problem says nothing of where: the caller then validates the whole tables, whose
    error names the original rows.
    """
    try:
        return _validate(subjects, records, "subjects", "records", record_subject, nulls)
    except HistoryError:
        return None


def _validate(
    subjects: pa.Table,
    records: pa.Table,
    subjects_name: str,
    records_name: str,
    joined: np.ndarray | None,
    nulls: Nulls | None = None,
) -> Tables:
    out = _Collector()
    s = _conform(subjects, subjects_name, SUBJECT_COLUMNS, SUBJECT_REQUIRED, out, nulls)
    r = _conform(records, records_name, RECORD_COLUMNS, RECORD_REQUIRED, out, nulls)
    if s is None or r is None:
        raise HistoryError("the input tables do not follow the columnar schema", out.problems)
    category = _check_subjects(s, subjects_name, out)
    if joined is None:
        ids = _one(s.column("id"))
        rows, duplicate = subject_rows(r.column("subject_id"), ids)
        out.cells(subjects_name, "id", duplicate, "duplicate-id", "subject id {value} occurs more than once", ids)
    else:
        rows = joined
    kind_code, code_code = _check_records(r, records_name, rows, out)
    if out.problems:
        raise HistoryError(f"{len(out.problems)} problem(s) in the input tables", out.problems)
    return Tables(s, r, rows, kind_code, code_code, category)


def _encode(data: pa.Array, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each value's index in ``words`` (-1: null or not there), and which non-null values are not there.

    One hash lookup per value in the small table of ``words`` (``index_in``).
    """
    if data.null_count == len(data):
        return np.full(len(data), -1, dtype=np.int64), np.zeros(len(data), dtype=bool)
    found = pc.index_in(data, value_set=pa.array(words, data.type))
    if found.null_count:  # -1 where the validity bitmap says null (no filled copy of the indices first)
        values = np.frombuffer(found.buffers()[1], dtype=np.int32)[found.offset : found.offset + len(found)]
        codes = np.where(valid_bits(found), values, -1).astype(np.int64)
    else:
        codes = np.asarray(found.to_numpy(), dtype=np.int64)
    if found.null_count == data.null_count:  # every value is one of the words
        return codes, np.zeros(len(data), dtype=bool)
    return codes, (codes < 0) & ~_null(data)


def _check_subjects(s: pa.Table, name: str, out: _Collector) -> np.ndarray:
    """Check the subjects; each one's category as an index into the SubjectCategory values (-1: null)."""
    _check_days(s, name, out)
    ids = _one(s.column("id"))
    for column in SUBJECT_REQUIRED:
        out.cells(name, column, _null(_one(s.column(column))), "required", f"'{column}' is required")
    out.cells(
        name, "id", np.asarray(pc.equal(pc.binary_length(ids), 0).fill_null(False), dtype=bool), "empty", "empty id"
    )
    for column in ("id", "parent_id"):
        data = _one(s.column(column))
        out.cells(name, column, _unprintable(data), "id-character", _UNPRINTABLE.format(column=column), data)
    for column, limit in _SUBJECT_LENGTHS.items():
        data = _one(s.column(column))
        out.cells(name, column, _too_long(data, limit), "too-long", f"'{column}' is longer than {limit} characters")
    category = _one(s.column("category"))
    valid = [c.value for c in SubjectCategory]
    category_code, unknown_category = _encode(category, valid)
    out.cells(name, "category", unknown_category, "category", "unknown category {value}", category)
    end_date = _one(s.column("agreement_end_date"))
    end_reason = _one(s.column("agreement_end_reason"))
    out.cells(
        name,
        "agreement_end_reason",
        _null(end_date) != _null(end_reason),
        "agreement-end",
        "agreement_end_date and agreement_end_reason go together",
    )
    reasons = sorted(catalogue().agreement_end_reasons)
    out.cells(
        name,
        "agreement_end_reason",
        _not_in(end_reason, reasons),
        "reason",
        "unknown agreement end reason {value}",
        end_reason,
    )
    before = pc.less(end_date, _one(s.column("opened"))).fill_null(False)
    out.cells(
        name,
        "agreement_end_date",
        np.asarray(before, dtype=bool),
        "date-order",
        "agreement_end_date is before the opening date",
    )
    persons = _one(s.column("linked_persons"))
    flat = pc.list_flatten(persons)
    if len(flat):
        parents = np.asarray(pc.list_parent_indices(persons), dtype=np.int64)
        bad = _null(flat.field("id")) | _not_in(
            flat.field("role"), ("legal_representative", "principal", "actual_controller", "directly_responsible")
        )
        bad |= _null(flat.field("role")) | _too_long(flat.field("id"), 64) | _too_long(flat.field("name"), 200)
        bad |= _unprintable(flat.field("id"))
        rows = np.zeros(len(s), dtype=bool)
        rows[parents[bad]] = True
        out.cells(
            name,
            "linked_persons",
            rows,
            "linked-person",
            "a linked person needs a known role and an id of 1–64 printable characters",
        )
    return category_code


def _check_days(table: pa.Table, name: str, out: _Collector) -> None:
    """Every date within the days a history may name (history.model.FIRST_DAY … LAST_DAY), as for JSON.

    A date32 cell holds any of 2**32 days, most of which Python's dates cannot hold.
    """
    first, last = pa.scalar(FIRST_DAY, pa.date32()), pa.scalar(LAST_DAY, pa.date32())
    for column in table.column_names:
        data = table.column(column)
        if data.type != pa.date32() or data.null_count == len(data):
            continue
        bounds = pc.min_max(data)  # compared in Arrow: such a day has no Python date to compare
        if not (pc.less(bounds["min"], first).as_py() or pc.greater(bounds["max"], last).as_py()):
            continue
        bad = np.asarray(pc.or_(pc.less(data, first), pc.greater(data, last)).fill_null(False), dtype=bool)
        out.cells(
            name,
            column,
            bad,
            "date-range",
            f"'{column}' must be a day from {FIRST_DAY} to {LAST_DAY}; got day {{value}} counted from 1970-01-01",
            data.cast(pa.int32()),
        )


def _check_records(r: pa.Table, name: str, rows: np.ndarray, out: _Collector) -> tuple[np.ndarray, np.ndarray]:
    cat = catalogue()
    col: dict[str, pa.Array | pa.ChunkedArray] = {c: _one(r.column(c)) for c in r.column_names if c != "subject_id"}
    col["subject_id"] = r.column("subject_id")  # kept in its chunks (see _conform)
    null_of: dict[str, np.ndarray] = {}

    def nul(column: str) -> np.ndarray:
        """The null mask of a column, computed once (callers never modify it)."""
        found = null_of.get(column)
        if found is None:
            found = null_of[column] = _null(col[column])
        return found

    for column in RECORD_REQUIRED:
        out.cells(name, column, nul(column), "required", f"'{column}' is required")
    out.cells(
        name,
        "subject_id",
        (rows < 0) & ~nul("subject_id"),
        "unknown-subject",
        "no subject with id {value} in the subjects table",
        col["subject_id"],
    )
    kind = col["kind"]
    kinds = sorted(cat.record_kinds)
    kind_code, unknown_kind = _encode(kind, kinds)
    out.cells(name, "kind", unknown_kind, "kind", "unknown record kind {value}", kind)
    for column, limit in _LENGTHS.items():
        out.cells(
            name, column, _too_long(col[column], limit), "too-long", f"'{column}' is longer than {limit} characters"
        )
    for column in ("id", "ref", "clinic_id"):
        out.cells(
            name, column, _unprintable(col[column]), "id-character", _UNPRINTABLE.format(column=column), col[column]
        )
    for column, allowed in _CHOICES.items():
        out.cells(
            name,
            column,
            _not_in(col[column], allowed),
            "choice",
            f"'{column}' must be one of {', '.join(allowed)}; got {{value}}",
            col[column],
        )
    for column, (low, high) in _RANGES.items():
        data = col[column]
        bounds = pc.min_max(data)
        if bounds["min"].is_valid and (bounds["min"].as_py() < low or bounds["max"].as_py() > high):
            bad = np.asarray(pc.or_(pc.less(data, low), pc.greater(data, high)).fill_null(False), dtype=bool)
            message = f"'{column}' must be between {low} and {high}; got {{value}}"
            out.cells(name, column, bad, "range", message, data)
    out.cells(name, "amount", _negative(col["amount"]), "range", "amounts are never negative")
    _check_days(r, name, out)
    # a field the kind does not take is an error, not ignored (history.model.Record); the rows of
    # each kind that have each field counted first (slot 0: null or unknown kind), then a row mask
    # only where there is a problem
    fields = {f: col[f] for f in (*_KIND_FIELDS, *(f for needed in REQUIRED_FIELDS.values() for f in needed))}
    rows_by_kind, present_by_kind = _present_by_kind(kind_code, len(kinds), fields, nul)
    for field in _KIND_FIELDS:
        if col[field].null_count == len(col[field]):
            continue
        takes = np.array([field in cat.record_kinds[k].fields for k in kinds] + [True])  # last: unknown kind
        # the kinds of the rows that have the field, counted first: a row mask only if one does not take it
        if not present_by_kind[field][1:][~takes[:-1]].any():
            continue
        out.cells(
            name,
            field,
            ~nul(field) & ~takes[kind_code],
            "field-not-for-kind",
            f"field '{field}' does not apply to record kind {{value}}",
            kind,
        )
    # rows of a kind without a field it needs: counted by kind first, a row mask only if there are some
    for k, needed in REQUIRED_FIELDS.items():
        code_k = kinds.index(k)
        for field in needed:
            if present_by_kind[field][code_k + 1] < rows_by_kind[code_k + 1]:
                missing = (kind_code == code_k) & nul(field)
                out.cells(name, field, missing, "missing-for-kind", f"record kind '{k}' needs field '{field}'")
    code = col["code"]
    violations = sorted(cat.violations)
    code_code, unknown_code = _encode(code, violations)
    out.cells(name, "code", unknown_code, "code", "unknown violation code {value}", code)
    # fraud codes are violation codes (catalogue.fraud_codes is a subset of catalogue.violations)
    fraud = cat.fraud_codes
    is_fraud_code = np.array([v in fraud for v in violations] + [False])[code_code]
    plain = (code_code >= 0) & ~is_fraud_code
    is_kind_fraud = kind_code == kinds.index("fraud")
    is_kind_violation = kind_code == kinds.index("violation")
    out.cells(
        name,
        "code",
        is_kind_fraud & plain,
        "not-fraud-code",
        "record kind 'fraud' needs a fraud code (条例第四十条 or 第四十一条第二款); "
        "{value} is not one: use kind 'violation'",
        code,
    )
    out.cells(
        name,
        "code",
        is_kind_violation & is_fraud_code,
        "fraud-as-violation",
        "{value} is fraud (条例第四十条/第四十一条第二款): use record kind 'fraud'",
        code,
    )
    termination = kind_code == kinds.index("agreement_termination")
    out.cells(
        name,
        "reason",
        termination & _not_in(col["reason"], sorted(cat.agreement_end_reasons)),
        "reason",
        "unknown agreement end reason {value}",
        col["reason"],
    )
    _check_scores(col["score"], name, out)
    _check_points(col["points"], name, out)
    out.cells(
        name,
        "document_number",
        nul("document_kind") != nul("document_number"),
        "document",
        "a document needs both document_kind and document_number",
    )
    out.cells(
        name,
        "document_number",
        _too_long(col["document_number"], 200),
        "too-long",
        "'document_number' is longer than 200 characters",
    )
    out.cells(
        name,
        "document_date",
        ~nul("document_date") & nul("document_kind"),
        "document",
        "document_date without document_kind",
    )
    objection_set = ~nul("objection_status")
    for field in ("objection_filed", "objection_resolved", "objection_reason"):
        need = nul(field) if field == "objection_filed" else np.zeros(len(r), dtype=bool)
        stray = ~nul(field) & ~objection_set
        out.cells(
            name,
            field,
            (objection_set & need) | stray,
            "objection",
            "an objection needs objection_status and objection_filed together",
        )
    early = np.zeros(len(r), dtype=bool)
    if not (nul("objection_resolved").all() or nul("objection_filed").all()):
        early = np.asarray(pc.less(col["objection_resolved"], col["objection_filed"]).fill_null(False), dtype=bool)
    out.cells(
        name,
        "objection_resolved",
        early,
        "date-order",
        "objection resolved before it was filed",
    )
    # a decision's publicity starts on or after the decision, and ends on or after it starts (history.model.Record)
    for field, after in (("publicity_start", "date"), ("publicity_end", "publicity_start"), ("publicity_end", "date")):
        if nul(field).all():
            continue
        before = np.asarray(pc.less(col[field], col[after]).fill_null(False), dtype=bool)
        if field == "publicity_end" and after == "date":
            before &= nul("publicity_start")  # with a start, the end is compared with the start
        out.cells(name, field, before, "date-order", f"{field} is before {after}")
    out.cells(
        name,
        "clinic_name",
        ~nul("clinic_name") & nul("clinic_id"),
        "clinic",
        "clinic_name without clinic_id",
    )
    return kind_code, code_code


def _present_by_kind(
    kind_code: np.ndarray,
    kinds: int,
    columns: dict[str, pa.Array | pa.ChunkedArray],
    null: Callable[[str], np.ndarray],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The rows of each kind (slot 0: null or unknown kind), and how many of them have each column.

    A column in every row or in none needs no pass.  The others are counted together, up to eight
    at a time: each row keyed by its kind and a bit per column it has, one count of the keys, and
    each column's count by kind summed from the keys with its bit (where a count per column
    would make a pass over the rows for each).
    """
    slot = kind_code + 1
    partial = [name for name, data in columns.items() if 0 < data.null_count < len(data)]
    counted: dict[str, np.ndarray] = {}
    rows_by_kind: np.ndarray | None = None
    for at in range(0, len(partial), 8):
        group = partial[at : at + 8]
        width = 1 << len(group)
        bits = np.zeros(len(slot), dtype=np.uint8)  # a byte per row: passes over bytes, not 64-bit keys
        for bit, name in enumerate(group):
            bits |= (~null(name)).view(np.uint8) << bit
        counts = np.bincount((slot << len(group)) | bits, minlength=(kinds + 1) * width).reshape(kinds + 1, width)
        rows_by_kind = counts.sum(axis=1)
        patterns = np.arange(width)
        for bit, name in enumerate(group):
            counted[name] = counts[:, (patterns >> bit) & 1 == 1].sum(axis=1)
    if rows_by_kind is None:
        rows_by_kind = np.bincount(slot, minlength=kinds + 1)
    for name, data in columns.items():
        if data.null_count == 0:
            counted[name] = rows_by_kind
        elif data.null_count == len(data):
            counted[name] = np.zeros(kinds + 1, dtype=np.int64)
    return rows_by_kind, counted


#: texts that are certainly a valid points value / score (ASCII digits, in range, few places): the
#: rest (any other spelling Decimal accepts, or a bad value) is checked one by one as before
_PLAIN_POINTS = r"^(?:[0-9]{1,3}(?:\.[0-9]{1,2})?|1000(?:\.0{1,2})?)$"
_PLAIN_SCORE = r"^-?(?:[0-9]{1,3}(?:\.[0-9]+)?|1000(?:\.0+)?)$"


def _unusual(texts: pa.Array, plain: str) -> np.ndarray:
    """Rows with a non-null text the ``plain`` pattern does not vouch for (one regex pass in Arrow)."""
    if texts.null_count == len(texts):
        return np.zeros(0, dtype=np.int64)
    # the pattern only over the values: the regex kernel costs as much for a null slot as for a text
    present = np.flatnonzero(~_null(texts)) if texts.null_count else np.arange(len(texts))
    values = texts.take(pa.array(present)) if texts.null_count else texts
    vouched = np.asarray(pc.match_substring_regex(values, plain).to_numpy(zero_copy_only=False), dtype=bool)
    unusual: np.ndarray = present[~vouched]
    return unusual


def points_ok(text: str) -> bool:
    """A records' own points value: a decimal from 0 to 1000 with at most two places."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    exponent = value.as_tuple().exponent
    return value.is_finite() and 0 <= value <= 1000 and not (isinstance(exponent, int) and exponent < -2)


def score_ok(text: str) -> bool:
    """A supplied assessment score: a decimal between -1000 and 1000."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return value.is_finite() and Decimal(-1000) <= value <= Decimal(1000)


def _check_points(points: pa.Array, name: str, out: _Collector) -> None:
    bad = np.zeros(len(points), dtype=bool)
    for row in _unusual(points, _PLAIN_POINTS).tolist():
        bad[row] = not points_ok(points[row].as_py())
    message = "points must be a decimal from 0 to 1000 with at most two places; got {value}"
    out.cells(name, "points", bad, "points", message, points)


def _check_scores(scores: pa.Array, name: str, out: _Collector) -> None:
    bad = np.zeros(len(scores), dtype=bool)
    for row in _unusual(scores, _PLAIN_SCORE).tolist():
        bad[row] = not score_ok(scores[row].as_py())
    out.cells(name, "score", bad, "score", "score must be a decimal between -1000 and 1000; got {value}", scores)
