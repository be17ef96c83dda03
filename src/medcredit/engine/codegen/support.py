"""Which grading paths the code generator compiles, and why the others stay with the interpreter.

An allowlist, not a denylist: the generator knows the pack constructs listed
here.  Any compiled-plan field it does not know that holds a non-default value,
any pack field it does not know that a pack sets, and any known construct it
does not reproduce send the path back to the interpreter with the reason.  A
construct added to the pack format later therefore falls back until the
generator learns it.
"""

from __future__ import annotations

import ast
import dataclasses
import keyword
from decimal import Decimal
from typing import Any, NamedTuple

from medcredit.pack.compiled import CBand, CBandSet, CExclusion, CFact, CompiledPack, CPath, CRule, CTier

#: Compiled-plan fields whose meaning the generator reproduces (or that do not change a result).
KNOWN_FIELDS: dict[type, frozenset[str]] = {
    CompiledPack: frozenset(
        {
            "model",
            "source",
            "content_hash",
            "catalogue",
            "facts",
            "fact_by_id",
            "kind_to_facts",
            "exclusions",
            "path_by_category",
            "roll_up",
            "grade_order",
            "measures",
            "bands",
            "rules",
            "lists",
            "uses_operation",
            "sum_tiers",
            "raw_sums",
            "patch_rules",
            "term_measures",
        }
    ),
    CPath: frozenset(
        {
            "id",
            "method",
            "base",
            "rules",
            "score_fact",
            "bands",
            "facts_used",
            "cite",
            "classes",
            "default_grade",
            "noted",
            "combine",
            # which facts' refusals explain a record (only the reasons for missing severity, level or points and
            # records out of force, which the constructs the generator compiles never produce)
            "relevant",
        }
    ),
    CFact: frozenset(
        {
            "index",
            "id",
            "aggregate",
            "kinds",
            "codes",
            "include_managed_clinics",
            "requires_document",
            "exclude_codes",
            "where",
            "to_cycle_end",
            "not_before",
            "within_validity",
            "filtered",
        }
    ),
    CRule: frozenset({"id", "fact", "sign", "mode", "points", "tiers", "cap", "cite"}),
    CTier: frozenset({"interval", "points", "low_fen"}),
    CBandSet: frozenset({"id", "bands", "cite", "domain"}),
    CBand: frozenset({"grade", "interval"}),
    CExclusion: frozenset({"id", "expression", "facts", "uses_agreement", "cite"}),
}

#: Pack (source model) fields known to the generator: a pack setting any other falls back.
KNOWN_PACK_FIELDS = frozenset(
    {
        "format", "id", "name", "jurisdiction", "document", "validity", "cycle", "categories", "roll_up",
        "grades", "bands", "facts", "exclusions", "paths", "rules", "measures", "lists", "linked_consequences",
        "disclosure", "deadlines", "repair", "reports", "interpretations", "property_exemptions", "non_executable",
    }
)  # fmt: skip
_KNOWN_ITEM_FIELDS: dict[str, frozenset[str]] = {
    "facts": frozenset(
        {"id", "aggregate", "match", "window", "include_managed_clinics", "requires_document", "within_validity"}
        | {"doc", "cite"}
    ),
    "rules": frozenset({"id", "title", "fact", "effect", "per_occurrence", "once", "tiers", "cap", "cite"}),
    "paths": frozenset(
        {"id", "categories", "method", "base", "rules", "score_fact", "bands", "classes", "default_grade"}
        | {"combine", "noted", "cite"}
    ),
    "exclusions": frozenset({"id", "when", "reason", "cite"}),
    "measures": frozenset(
        {"id", "grades", "grades_below", "categories", "kind", "mandatory", "params", "ends_with_term_of"}
        | {"effect", "cite"}
    ),
}

#: Syntax the expression generator emits (the sandbox's allowlist, after its literal folding).
EXPRESSION_NODES = (
    ast.Constant, ast.Name, ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.USub, ast.UAdd, ast.Not, ast.And, ast.Or,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Load,
)  # fmt: skip
SUBJECT_NAMES = frozenset({"category", "subject_type", "cycle", "agreement_end_reason", "operated_months_in_cycle"})


class PathSupport(NamedTuple):
    """One grading path: compiled to generated code, or interpreted and why."""

    path: str
    categories: tuple[str, ...]
    compiled: bool
    reason: str | None


def path_support(pack: CompiledPack) -> list[PathSupport]:
    """Every grading path of ``pack`` in pack order, with compiled/fallback and the reason."""
    common = _pack_reason(pack)
    by_path: dict[str, list[str]] = {}
    paths: dict[str, CPath] = {}
    for category, cpath in pack.path_by_category.items():
        by_path.setdefault(cpath.id, []).append(category)
        paths[cpath.id] = cpath
    out = []
    for pid, cpath in paths.items():
        reason = common or path_reason(pack, cpath)
        out.append(PathSupport(pid, tuple(by_path[pid]), reason is None, reason))
    return out


def _unknown_set(obj: Any) -> list[str]:
    """Fields of a compiled-plan object the generator does not know that hold a non-default value."""
    known = KNOWN_FIELDS.get(type(obj))
    if known is None:
        return [type(obj).__name__]
    out = []
    for f in dataclasses.fields(obj):
        if f.name in known:
            continue
        value = getattr(obj, f.name)
        if f.default is not dataclasses.MISSING and value == f.default:
            continue
        if f.default_factory is not dataclasses.MISSING and value == f.default_factory():
            continue
        out.append(f"{type(obj).__name__}.{f.name}")
    return out


def _pack_reason(pack: CompiledPack) -> str | None:
    unknown = _unknown_set(pack)
    model = pack.model
    unknown += [f"pack field {n}" for n in sorted(model.model_fields_set - KNOWN_PACK_FIELDS)]
    for group, known in _KNOWN_ITEM_FIELDS.items():
        for item in getattr(model, group, ()) or ():
            unknown += [f"{group} field {n}" for n in sorted(item.model_fields_set - known)]
    for fact in pack.facts:
        unknown += _unknown_set(fact)
        unknown += _fact_problems(fact)
    for exc in pack.exclusions:
        unknown += _unknown_set(exc)
        unknown += _expression_problems(pack, exc)
    if unknown:
        return "not compiled: " + ", ".join(sorted(set(unknown)))
    if pack.lists:
        return "the pack keeps lists (listing, terms, linked consequences are interpreted)"
    return None


def _fact_problems(fact: CFact) -> list[str]:
    if fact.aggregate not in ("count", "sum_amount", "any", "value"):
        return [f"fact {fact.id} aggregate {fact.aggregate}"]
    return [f"fact {fact.id} field {name!r}" for name, _ in fact.where if not _attribute(name)]


def _attribute(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")


def _expression_problems(pack: CompiledPack, exc: CExclusion) -> list[str]:
    tree = exc.expression._tree  # the checked, literal-folded tree the sandbox itself runs
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, EXPRESSION_NODES):
            out.append(f"exclusion {exc.id} syntax {type(node).__name__}")
        elif isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and not node.keywords):
            out.append(f"exclusion {exc.id} call")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, int | str | bool | Decimal | tuple):
            out.append(f"exclusion {exc.id} literal {type(node.value).__name__}")
    for name in exc.expression.names:
        fact = pack.fact_by_id.get(name)
        if fact is None and name not in SUBJECT_NAMES:
            out.append(f"exclusion {exc.id} name {name}")
        elif fact is not None and fact.aggregate not in ("count", "sum_amount", "any"):
            out.append(f"exclusion {exc.id} reads {fact.aggregate} fact {name}")
    return out


def _hundredths(value: Decimal | None) -> bool:
    """A number the scorecard can carry exactly in integer hundredths, with an exponent -2..0."""
    if value is None:
        return True
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and -2 <= exponent <= 0 and value.is_finite()


def path_reason(pack: CompiledPack, cpath: CPath) -> str | None:
    """Why this path is interpreted, or None when the generator compiles it."""
    unknown = _unknown_set(cpath)
    if cpath.bands is not None:
        unknown += _unknown_set(cpath.bands)
        for band in cpath.bands.bands:
            unknown += _unknown_set(band)
    for rule in cpath.rules:
        unknown += _unknown_set(rule)
        for tier in rule.tiers:
            unknown += _unknown_set(tier)
    if unknown:
        return "not compiled: " + ", ".join(sorted(set(unknown)))
    if cpath.method == "classification":
        return _classification_reason(cpath)
    if cpath.method not in ("scorecard", "external_score"):
        return f"method {cpath.method} is interpreted"
    if cpath.classes or cpath.noted or cpath.combine != "worst" or cpath.default_grade is not None:
        return "classes on a scored path are interpreted"
    if cpath.bands is None:
        return "a scored path without bands is interpreted"
    if cpath.method == "scorecard":
        numbers: list[Decimal | None] = [cpath.base]
        for rule in cpath.rules:
            if rule.mode not in ("per_occurrence", "once", "tiers") or rule.sign not in (1, -1):
                return f"rule {rule.id} mode {rule.mode} is interpreted"
            numbers += [rule.points, rule.cap, *(t.points for t in rule.tiers)]
        if not all(_hundredths(n) for n in numbers):
            return "points finer than hundredths (or with a positive exponent) are interpreted"
    return None


def _classification_reason(cpath: CPath) -> str | None:
    if cpath.combine not in ("worst", "agree"):
        return f"combine: {cpath.combine} is interpreted"
    if any(c.while_listed is not None for c in cpath.classes):
        return "classes conditional on a list (while_listed) are interpreted"
    if (cpath.score_fact is None) != (cpath.bands is None):
        return "a supplied score without bands (or bands without a score) is interpreted"
    if cpath.combine == "worst" and cpath.default_grade is None:
        return "a classification without a default grade is interpreted"
    return None


def describe_support(pack: CompiledPack) -> list[str]:
    """One line per grading path for ``medcredit check``: compiled, or interpreted and why."""
    out = []
    for entry in path_support(pack):
        where = f"engine: path {entry.path} ({', '.join(entry.categories)})"
        out.append(f"{where}: compiled" if entry.compiled else f"{where}: interpreted: {entry.reason}")
    return out
