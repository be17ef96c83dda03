"""The common case of reading a subject, checked by hand: ``Subject`` objects without pydantic validation.

The pydantic models of :mod:`medcredit.history.model` stay the schema of record (JSON Schema,
docs, every error message).  Validating a typical JSONL subject through them costs several times
parsing it, mostly for model validators written in Python; this module accepts a deliberately
narrow subset of what they accept — plain strings, ``YYYY-MM-DD`` dates, integers, booleans,
decimals written plainly, the fields each record kind allows, linked persons, managed clinics,
documents, objections, prior results and linked institutions — and builds the same objects
directly (same values and types, same ``__dict__`` order, same ``model_fields_set``).  Anything
outside that subset (an unknown or misspelt key, a wrong type, an odd date or number, a field the
kind does not take, a failed consistency rule) makes :func:`build_subject` return None, and the
caller validates with pydantic as before.  So every error, and every edge case pydantic accepts in
its own way, comes from pydantic by construction; what is built here is only ever a value pydantic
would have built identically (``tests/test_fastpath.py`` compares the two on every history file in
the repository, on the benchmark workloads, on fuzzed lines, on generated subjects and on boundary
values).

:func:`line_subject` also decodes the line, faster than the exact reader
(:func:`medcredit.history.reader.parse_json`), and only where the two provably agree; with the
optional ``orjson`` installed (``medcredit[fast]``) it decodes some lines with it.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from json import JSONDecoder
from types import ModuleType
from typing import Any, TypeVar, get_args

from pydantic import BaseModel

from medcredit.diagnostics.arguments import FIRST_DAY, LAST_DAY
from medcredit.history.catalogue import catalogue
from medcredit.history.model import (
    _COMMON_FIELDS,
    ASSESSMENT_LEVELS,
    HONOUR_LEVELS,
    INSTITUTION_CATEGORIES,
    LEVEL_WORDS,
    REQUIRED_FIELDS,
    SEVERITIES,
    SEVERITY_WORDS,
    AgreementEnd,
    Document,
    LinkedPerson,
    LinkedRole,
    ManagedClinic,
    Objection,
    PriorResult,
    Record,
    Subject,
    SubjectCategory,
)

_orjson: ModuleType | None
try:  # the optional extra medcredit[fast]; without it json.loads decodes every line
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by the core install
    _orjson = None

__all__ = ["EXACT", "HAVE_ORJSON", "PYDANTIC", "build_subject", "line_subject", "subject_from_line"]

HAVE_ORJSON = _orjson is not None
#: Distinct days remembered (32,768 days are ninety years; a population's dates fall on far fewer).
DATE_MEMO = 32_768

M = TypeVar("M", bound=BaseModel)


class _UnsureError(Exception):
    """Raised inside the fast checks: leave this subject to pydantic."""


class _FloatError(_UnsureError):
    """Raised where orjson gave a float: the line is decoded again with exact decimals."""


def _plain_model(cls: type[BaseModel]) -> bool:
    """True when building ``cls`` field by field gives what ``model_construct`` (and validation) gives.

    That holds for models without aliases, default factories, private attributes, extra fields or a
    post-init hook; should a model grow one of those, the fast path steps aside for it.
    """
    fields = cls.model_fields.values()
    return (
        all(f.alias is None and f.validation_alias is None and f.default_factory is None for f in fields)
        and not cls.__private_attributes__
        and cls.model_config.get("extra") == "forbid"
        and cls.__pydantic_post_init__ is None
        and not cls.__pydantic_root_model__
    )


_ENABLED = all(
    _plain_model(cls)
    for cls in (Subject, Record, AgreementEnd, LinkedPerson, ManagedClinic, Document, Objection, PriorResult)
)
_new = object.__new__
# the slots every pydantic model has, set through their descriptors (a little cheaper than by name)
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """Every field in declaration order (the order pydantic fills ``__dict__`` in), required ones as None."""
    return {name: None if f.is_required() else f.default for name, f in cls.model_fields.items()}


_SUBJECT_DEFAULTS = _defaults(Subject)
_RECORD_DEFAULTS = _defaults(Record)
_PERSON = _defaults(LinkedPerson)
_DOCUMENT = _defaults(Document)
_OBJECTION = _defaults(Objection)
_CLINIC = _defaults(ManagedClinic)
_PRIOR = _defaults(PriorResult)


def _model(cls: type[M], fields: dict[str, Any], given: dict[str, Any]) -> M:
    """What ``cls.model_construct(**given)`` does for a plain model, ``fields`` being every field's value.

    (``model_construct`` itself loops over every field looking for aliases: a few µs per record.)
    """
    model = _new(cls)
    _set_dict(model, fields)
    _set_fields_set(model, set(given))
    _set_extra(model, None)
    _set_private(model, None)
    return model


# --------------------------------------------------------------------------- scalars


def _text(limit: int | None) -> Any:
    def check(value: Any) -> str:
        if type(value) is not str or (limit is not None and len(value) > limit):
            raise _UnsureError
        return value

    return check


def _ident(limit: int) -> Any:
    def check(value: Any) -> str:
        if type(value) is not str or len(value) > limit or not value.isprintable():
            raise _UnsureError
        return value

    return check


_DATES: dict[str, dt.date] = {}
_DATES_LOCK = threading.Lock()


def _parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` in ASCII digits naming a real day; None for anything else (pydantic decides).

    Days read are remembered (up to :data:`DATE_MEMO`); callers look in ``_DATES`` first.
    """
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.isascii():
        return None
    year, month, day = text[:4], text[5:7], text[8:]
    if not (year.isdigit() and month.isdigit() and day.isdigit()):
        return None
    try:
        parsed = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if not FIRST_DAY <= parsed <= LAST_DAY:
        return None
    with _DATES_LOCK:
        if len(_DATES) < DATE_MEMO:
            _DATES[text] = parsed
    return parsed


def _date(value: Any) -> dt.date:
    if type(value) is not str:
        raise _UnsureError
    day = _DATES.get(value) or _parse_date(value)
    if day is None:
        raise _UnsureError
    return day


def _int_in(low: int, high: int) -> Any:
    def check(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            raise _UnsureError
        return value

    return check


def _bool(value: Any) -> bool:
    if value is not True and value is not False:
        raise _UnsureError
    return value


def _decimal(low: int, high: int, places: int, whole: int) -> Any:
    """A decimal field: an int, an exact ``Decimal`` (the exact reader's JSON numbers) or plain text.

    Accepted: at most ``places`` decimals written (never an exponent, sign on zero or white space)
    and at most ``whole`` digits before the point, within ``[low, high]``.  Text is converted with
    ``Decimal(text)``, as pydantic does, so ``"7.50"`` stays ``Decimal('7.50')``.
    """
    sign = "-?" if low < 0 else ""
    pattern = re.compile(rf"{sign}[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{places}}})?")

    def check(value: Any) -> Any:
        kind = type(value)
        if kind is int:
            if low <= value <= high:
                return Decimal(value)
        elif kind is Decimal:
            shape = value.as_tuple()
            exponent = shape.exponent
            if (
                isinstance(exponent, int)
                and -places <= exponent <= 0
                and len(shape.digits) + exponent <= whole
                and not (shape.sign and low >= 0)
                and low <= value <= high
            ):
                return value
        elif kind is str and pattern.fullmatch(value):
            number = Decimal(value)
            if low <= number <= high:
                return number
        elif kind is float:
            raise _FloatError
        raise _UnsureError

    return check


def _choice(words: dict[str, str], allowed: tuple[str, ...]) -> Any:
    """A literal field whose before-validator maps Chinese words to the English ids."""

    def check(value: Any) -> Any:
        if type(value) is not str:
            raise _UnsureError
        value = words.get(value, value)
        if value not in allowed:
            raise _UnsureError
        return value

    return check


_KINDS = catalogue().record_kinds


def _kind(value: Any) -> str:
    if type(value) is not str or value not in _KINDS:
        raise _UnsureError
    return value


_DOCUMENT_KINDS = frozenset(get_args(Document.model_fields["kind"].annotation))
_DOCUMENT_KEYS = frozenset(Document.model_fields)
_OBJECTION_STATUSES = frozenset(get_args(Objection.model_fields["status"].annotation))
_OBJECTION_KEYS = frozenset(Objection.model_fields)


def _document(value: Any) -> Document:
    """A record's legally effective document: kind, number (1-200 characters), maybe a date."""
    if type(value) is not dict or not _DOCUMENT_KEYS.issuperset(value):
        raise _UnsureError
    kind = value.get("kind")
    number = value.get("number")
    if type(kind) is not str or kind not in _DOCUMENT_KINDS or type(number) is not str or not 0 < len(number) <= 200:
        raise _UnsureError
    fields = _DOCUMENT.copy()
    fields.update(value)
    if fields["date"] is not None:
        fields["date"] = _date(fields["date"])
    return _model(Document, fields, value)


def _objection(value: Any) -> Objection:
    """An objection: filed, a status, maybe resolved (not before it was filed) and a reason."""
    if type(value) is not dict or not _OBJECTION_KEYS.issuperset(value):
        raise _UnsureError
    status = value.get("status")
    reason = value.get("reason")
    if (
        type(status) is not str
        or status not in _OBJECTION_STATUSES
        or (reason is not None and (type(reason) is not str or len(reason) > 2000))
    ):
        raise _UnsureError
    fields = _OBJECTION.copy()
    fields.update(value)
    fields["filed"] = filed = _date(value.get("filed"))
    if fields["resolved"] is not None:
        fields["resolved"] = resolved = _date(fields["resolved"])
        if resolved < filed:  # Objection._resolved_after_filed
            raise _UnsureError
    return _model(Objection, fields, value)


#: Field -> hand check, for every field of Record.
_RECORD_CHECKS: dict[str, Any] = {
    "kind": _kind,
    "date": _date,
    "id": _ident(200),
    "code": _text(None),
    "amount": _decimal(0, 10**13 - 1, 2, 13),
    "reason": _text(None),
    "year": _int_in(1990, 2200),
    "score": _decimal(-1000, 1000, 8, 4),
    "months": _int_in(0, 1200),
    "method": _choice({}, ("on_site", "online", "special", "other")),
    "publicity_start": _date,
    "publicity_end": _date,
    "severity": _choice(SEVERITY_WORDS, SEVERITIES),
    "points": _decimal(0, 1000, 2, 4),
    "fulfilled": _bool,
    "term_months": _int_in(0, 1200),
    "term_end": _date,
    "referred_to_judiciary": _bool,
    "level": _choice(LEVEL_WORDS, ASSESSMENT_LEVELS + HONOUR_LEVELS),
    "heavier": _bool,
    "ref": _ident(200),
    "unrepairable": _bool,
    "serious_impact": _bool,
    "document": _document,
    "objection": _objection,
    "note": _text(2000),
    "institution": _text(64),
}
_NESTED = ("document", "objection")
_RECORD_NULLABLE = frozenset(_RECORD_DEFAULTS) - {"kind", "date"}
_RULE_FIELDS = frozenset({"term_end", "level", "publicity_start", "publicity_end"})
#: Plans remembered, one per record kind and set of keys written (bulk data has a few dozen).
PLAN_MEMO = 4096


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to read a record of one kind with one set of (non-null) keys, worked out once.

    Building it decides what ``Record._fields_fit_kind`` decides from the keys alone (the fields
    fit the kind, the required ones are there, a term is not given twice); what depends on the
    values (dates in order, a known code of the right sort, a level of the kind) is left to
    :func:`_value_rules`, and only when the record has a field such a rule concerns.
    """

    dates: tuple[str, ...]
    checks: tuple[tuple[str, Any], ...]
    codes: frozenset[str] | None
    rules: bool
    nested: tuple[str, ...] = ()


_DATE_FIELDS = frozenset(name for name, check in _RECORD_CHECKS.items() if check is _date)


def _make_plan(kind: str, keys: tuple[str, ...]) -> _Plan | None:
    spec = _KINDS.get(kind)
    names = set(keys)
    if (
        spec is None
        or not names.issubset(_RECORD_CHECKS)
        or not names.issubset(_COMMON_FIELDS | set(spec.fields))
        or not {"kind", "date", *REQUIRED_FIELDS.get(kind, ())}.issubset(names)
        or (kind == "annual_assessment" and not names & {"score", "level"})
        or {"term_end", "term_months"}.issubset(names)
    ):
        return None
    codes: frozenset[str] | None = None
    if "code" in names:
        violations = catalogue().violations
        # a fraud record takes only fraud codes, a violation record none (Record._check_code)
        codes = frozenset(
            code
            for code, entry in violations.items()
            if kind not in ("fraud", "violation") or entry.fraud == (kind == "fraud")
        )
    return _Plan(
        dates=tuple(key for key in keys if key in _DATE_FIELDS),
        checks=tuple((key, _RECORD_CHECKS[key]) for key in keys if key not in _DATE_FIELDS | {"kind", "code"}),
        codes=codes,
        rules=bool(names & _RULE_FIELDS) or kind == "agreement_termination",
        nested=tuple(name for name in _NESTED if name in names),
    )


#: Stands for "no plan: this kind does not take these keys" in the memo.
_NO_PLAN = _Plan((), (), None, False)
_PLANS: dict[tuple[str, tuple[str, ...]], _Plan] = {}


def _plan(key: tuple[str, tuple[str, ...]]) -> _Plan:
    plan = _make_plan(*key) or _NO_PLAN
    # a plan is a pure function of its key, so two threads computing it at once store equal values
    if len(_PLANS) < PLAN_MEMO:
        _PLANS[key] = plan
    return plan


def _record(raw: Any) -> tuple[Record, int]:
    """One record and its key count; raises :class:`_UnsureError` unless pydantic would build the same.

    The hot loop of the fast path, hence written out: one plan look-up, the dates through the date
    memo, the other fields through their checks, converted in place in the record's ``__dict__``
    (every field in declaration order, as pydantic fills it), then ``_model`` inlined.
    """
    if type(raw) is not dict:
        raise _UnsureError
    kind = raw.get("kind")
    if type(kind) is not str:
        raise _UnsureError
    if None in raw.values():
        # a null is a field given as absent: in model_fields_set, but not present for the kind's rules
        if not _RECORD_NULLABLE.issuperset([key for key, value in raw.items() if value is None]):
            raise _UnsureError
        key = (kind, tuple(key for key, value in raw.items() if value is not None))
    else:
        key = (kind, tuple(raw))
    plan = _PLANS.get(key) or _plan(key)
    if plan is _NO_PLAN:
        raise _UnsureError
    # the plan vouches that every key is a field of Record
    fields = _RECORD_DEFAULTS.copy()
    fields.update(raw)
    for name in plan.dates:
        text = fields[name]
        if type(text) is not str:
            raise _UnsureError
        day = _DATES.get(text) or _parse_date(text)
        if day is None:
            raise _UnsureError
        fields[name] = day
    for name, check in plan.checks:
        fields[name] = check(fields[name])
    if plan.codes is not None:
        code = fields["code"]
        if type(code) is not str or code not in plan.codes:
            raise _UnsureError
    if plan.rules:
        _value_rules(kind, fields)
    record = _new(Record)
    _set_dict(record, fields)
    _set_fields_set(record, set(raw))
    _set_extra(record, None)
    _set_private(record, None)
    if plan.nested:  # their keys count too (subject_from_line matches keys with ':')
        return record, len(raw) + sum(len(raw[name]) for name in plan.nested)
    return record, len(raw)


def _value_rules(kind: str, values: dict[str, Any]) -> None:
    """The rules of ``Record._fields_fit_kind`` that depend on values (fields already converted)."""
    get = values.get
    date = values["date"]
    term_end = get("term_end")
    if term_end is not None and term_end < date:
        raise _UnsureError
    level = get("level")
    if level is not None and level not in (HONOUR_LEVELS if kind == "honour" else ASSESSMENT_LEVELS):
        raise _UnsureError
    start = get("publicity_start")
    if start is not None and start < date:
        raise _UnsureError
    end = get("publicity_end")
    if end is not None and end < (start or date):
        raise _UnsureError
    if kind == "agreement_termination" and get("reason") not in catalogue().agreement_end_reasons:
        raise _UnsureError


# --------------------------------------------------------------------------- subjects

_CATEGORIES = {member.value: member for member in SubjectCategory}
_USUAL_KEYS = frozenset({"id", "name", "category", "parent_id", "designated", "opened", "agreement_end", "records"})
_SUBJECT_KEYS = _USUAL_KEYS | {"linked_persons", "managed_clinics", "prior_results", "linked_institutions"}
_ROLES = frozenset(get_args(LinkedRole))
_PERSON_KEYS = frozenset({"role", "id", "name", "records"})
_CLINIC_KEYS = frozenset({"id", "name", "records"})


def _records(raw: Any) -> tuple[tuple[Record, ...], int]:
    if type(raw) is not list:
        raise _UnsureError
    records = []
    keys = 0
    for item in raw:
        record, count = _record(item)
        records.append(record)
        keys += count
    return tuple(records), keys


def _agreement_end(raw: Any, opened: dt.date | None) -> tuple[AgreementEnd, int]:
    if type(raw) is not dict or raw.keys() != {"date", "reason"}:
        raise _UnsureError
    date = _date(raw["date"])
    reason = raw["reason"]
    if type(reason) is not str or reason not in catalogue().agreement_end_reasons:
        raise _UnsureError
    if opened is not None and date < opened:
        raise _UnsureError
    fields = {"date": date, "reason": reason}
    return _model(AgreementEnd, fields, fields), 2


def _people(raw: Any, cls: type[M], allowed: frozenset[str], defaults: dict[str, Any]) -> tuple[tuple[M, ...], int]:
    """Linked persons or managed clinics: an id, maybe a name (and a person's role), their own records."""
    if type(raw) is not list:
        raise _UnsureError
    out = []
    keys = 0
    for item in raw:
        if type(item) is not dict or not allowed.issuperset(item):
            raise _UnsureError
        ident = item.get("id")
        name = item.get("name")
        if (
            type(ident) is not str
            or not 0 < len(ident) <= 64
            or not ident.isprintable()
            or (name is not None and (type(name) is not str or len(name) > 200))
            or ("role" in allowed and (type(item.get("role")) is not str or item["role"] not in _ROLES))
        ):
            raise _UnsureError
        fields = defaults.copy()
        fields.update(item)
        keys += len(item)
        if "records" in item:
            fields["records"], count = _records(item["records"])
            keys += count
        out.append(_model(cls, fields, item))
    return tuple(out), keys


_PRIOR_KEYS = frozenset(PriorResult.model_fields)
_PRIOR_STATUSES = frozenset(get_args(PriorResult.model_fields["status"].annotation))
_PRIOR_SCORE = _decimal(-10000, 10000, 8, 5)


def _prior_results(raw: Any) -> tuple[tuple[PriorResult, ...], int]:
    """Earlier results: each names its cycle or its as-of date (not both), has a grade exactly when
    graded, and no two are for the same cycle (PriorResult and Subject._consistent)."""
    if type(raw) is not list:
        raise _UnsureError
    out = []
    keys = 0
    years = set()
    for item in raw:
        if type(item) is not dict or not _PRIOR_KEYS.issuperset(item):
            raise _UnsureError
        fields = _PRIOR.copy()
        fields.update(item)
        cycle, as_of, grade = fields["cycle"], fields["as_of"], fields["grade"]
        status = fields["status"]
        if (
            (cycle is None) == (as_of is None)
            or type(status) is not str
            or status not in _PRIOR_STATUSES
            or (status == "graded") != (grade is not None)
            or (grade is not None and (type(grade) is not str or len(grade) > 16))
        ):
            raise _UnsureError
        if cycle is not None:
            if type(cycle) is not int or not 1990 <= cycle <= 2199:
                raise _UnsureError
            year = cycle
        else:
            fields["as_of"] = day = _date(as_of)
            year = day.year
        if year in years:
            raise _UnsureError
        years.add(year)
        if fields["score"] is not None:
            fields["score"] = _PRIOR_SCORE(fields["score"])
        for name, limit in (("pack_id", 64), ("pack_hash", 80)):
            text = fields[name]
            if text is not None and (type(text) is not str or len(text) > limit):
                raise _UnsureError
        out.append(_model(PriorResult, fields, item))
        keys += len(item)
    return tuple(out), keys


def _linked_institutions(raw: Any, category: SubjectCategory) -> tuple[tuple[Subject, ...], int]:
    """A person's linked institutions: subjects of their own, institutions all (Subject._consistent)."""
    if type(raw) is not list or (raw and category in INSTITUTION_CATEGORIES):
        raise _UnsureError
    out = []
    keys = 0
    for item in raw:
        institution, count = _subject(item)
        if institution.category not in INSTITUTION_CATEGORIES:
            raise _UnsureError
        out.append(institution)
        keys += count
    return tuple(out), keys


def _subject(data: Any) -> tuple[Subject, int]:
    """The subject and its key count (objects' keys, for :func:`subject_from_line`), or :class:`_UnsureError`."""
    if type(data) is not dict:
        raise _UnsureError
    # converted in place in the subject's __dict__: every field in declaration order, as pydantic fills it
    values = _SUBJECT_DEFAULTS.copy()
    values.update(data)
    keys = len(data)
    ident = values.get("id")
    category = values.get("category")
    if type(ident) is not str or not 0 < len(ident) <= 64 or not ident.isprintable() or type(category) is not str:
        raise _UnsureError
    values["category"] = member = _CATEGORIES.get(category)
    name = values.get("name")
    parent = values.get("parent_id")
    if (
        member is None
        or (name is not None and (type(name) is not str or len(name) > 200))
        or (parent is not None and (type(parent) is not str or len(parent) > 64 or not parent.isprintable()))
    ):
        raise _UnsureError
    if not _USUAL_KEYS.issuperset(data):
        if not _SUBJECT_KEYS.issuperset(data):
            raise _UnsureError
        if "linked_institutions" in data:
            values["linked_institutions"], count = _linked_institutions(data["linked_institutions"], member)
            keys += count
        if "linked_persons" in data:
            values["linked_persons"], count = _people(data["linked_persons"], LinkedPerson, _PERSON_KEYS, _PERSON)
            keys += count
        if "prior_results" in data:
            values["prior_results"], count = _prior_results(data["prior_results"])
            keys += count
        if "managed_clinics" in data:
            values["managed_clinics"], count = _people(data["managed_clinics"], ManagedClinic, _CLINIC_KEYS, _CLINIC)
            keys += count
            # only institutions manage village clinics (Subject._consistent)
            if values["managed_clinics"] and member not in INSTITUTION_CATEGORIES:
                raise _UnsureError
    opened = values.get("opened")
    if opened is not None:
        values["opened"] = opened = _date(opened)
    designated = values.get("designated")
    if designated is not None:
        values["designated"] = _date(designated)
    if "records" in data:
        values["records"], count = _records(data["records"])
        keys += count
    end = values.get("agreement_end")
    if end is not None:
        values["agreement_end"], count = _agreement_end(end, opened)
        keys += count
    return _model(Subject, values, data), keys


def build_subject(data: Any) -> Subject | None:
    """The subject pydantic would validate from ``data``, built by hand; None to let pydantic decide.

    ``data`` is what :func:`medcredit.history.reader.parse_json` returns for a line, free of lone
    surrogates and unbounded numbers (the reader's scan has refused those already).
    """
    if not _ENABLED:
        return None
    try:
        return _subject(data)[0]
    except (_UnsureError, RecursionError):  # institutions linked thousands deep: pydantic's to judge
        return None


#: One decoder for every line (``json.loads(text, parse_float=...)`` would build one per call).
_DECODER = JSONDecoder(parse_float=Decimal)


def _exact_decimals(body: str) -> Any:
    """``json.loads(body, parse_float=Decimal)`` for a body that starts with ``{`` (so holds no BOM)."""
    data, end = _DECODER.raw_decode(body)
    if end != len(body):
        raise _UnsureError  # something after the object: the exact reader words the error
    return data


#: What :func:`line_subject` says when it built nothing: read the line the exact way, and then
EXACT = "exact"  # try the hand checks on what it read (it may read what was refused here), or
PYDANTIC = "pydantic"  # go straight to pydantic (the hand checks would refuse it again).


def line_subject(line: str) -> Subject | str:
    """The subject of one JSONL line, decoded and built without the exact reader's hooks, if sure.

    The exact reader (:func:`medcredit.history.reader.parse_json`) refuses duplicate keys and
    unbounded numbers through Python hooks called for every object and number, which doubles the
    cost of ``json.loads``.  Here the line is decoded plainly (by orjson when installed, else by
    ``json.loads`` with exact decimals) and the result is used only if it provably equals the exact
    reader's: every value of a subject the fast checks accept is small (so within the bounds), no
    float is accepted (orjson's floats are decoded again with exact decimals; ``NaN`` stays a
    float), and the count of ``:`` proves no key was repeated.  The line must be free of lone
    surrogates (the reader checks first).

    Otherwise :data:`EXACT` or :data:`PYDANTIC`: when the hand checks refused the decoded value,
    they would refuse the exact reader's too (the two differ only in floats, retried here, in
    duplicate keys and unbounded numbers, which the exact reader refuses itself), so a line that
    pydantic must judge is not checked by hand twice.
    """
    if not _ENABLED:
        return PYDANTIC
    body = line.rstrip("\r\n")
    # one object, nothing around it: a BOM or other leading character is the exact reader's to judge
    if body[:1] != "{" or body[-1:] != "}":
        return EXACT
    try:
        # orjson only where no float is likely: a float read by it is read again with exact decimals,
        # which costs more than orjson saves; a '.' anywhere (a float, or a decimal written as text,
        # the two often together) sends the line to the exact decimals at once
        if _orjson is not None and "." not in body:
            try:
                subject, keys = _subject(_orjson.loads(body))
            except _FloatError:  # an exponent without a point: 1e3
                subject, keys = _subject(_exact_decimals(body))
        else:
            subject, keys = _subject(_exact_decimals(body))
    except _UnsureError:
        return PYDANTIC
    except (ValueError, RecursionError):  # not JSON to these decoders (orjson.JSONDecodeError is a ValueError)
        return EXACT
    # Every key is followed by one ':' outside strings, so a line with more ':' than the built
    # objects have keys either has a ':' inside a string (rare; read the exact way) or repeats a
    # key, which both decoders here merge silently and the exact reader refuses.
    if body.count(":") != keys:
        return EXACT
    return subject


def subject_from_line(line: str) -> Subject | None:
    """:func:`line_subject`, or None when it built nothing (the caller reads the line the exact way)."""
    found = line_subject(line)
    return None if isinstance(found, str) else found
