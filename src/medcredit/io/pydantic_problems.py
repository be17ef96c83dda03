"""Turn pydantic validation errors into located, ranked :class:`Problem` values.

pydantic reports a ``loc`` path; we map it to the YAML/JSON position recorded
by :mod:`medcredit.io.yamlload` and, for unknown keys, suggest the nearest field
of the model at that place.  Two pydantic habits are undone here: union
members add their type names to ``loc`` (``params.audits.bool``), and a value
that fits no member of a union yields one error per member.  We keep only the
real path (parts that exist in the data) and one problem per place.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from medcredit.diagnostics.problems import Problem, YamlPath, suggest

Locator = Callable[[YamlPath], tuple[int, int]]

_PREFERRED = ("extra_forbidden", "missing")
#: Problems explained one by one; beyond this a file is hopeless and one more problem says how many were left out.
MAX_PROBLEMS = 200


def _unwrap(annotation: Any) -> list[Any]:
    """The alternatives of a union (or the annotation itself), Annotated metadata removed."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc`` (lists and dict keys are stepped over)."""
    annotations: list[Any] = [root]
    for part in loc[:-1]:
        nxt: list[Any] = []
        for ann in annotations:
            for alt in _unwrap(ann):
                origin = typing.get_origin(alt)
                args = typing.get_args(alt)
                if origin in (list, tuple) and isinstance(part, int) and args:
                    nxt.append(args[0])
                elif origin is dict and args:
                    nxt.append(args[1])  # the part is a key of the mapping
                elif isinstance(alt, type) and issubclass(alt, BaseModel) and isinstance(part, str):
                    field = alt.model_fields.get(part)
                    if field is not None:
                        nxt.append(field.annotation)
        annotations = nxt
    for ann in annotations:
        for alt in _unwrap(ann):
            if isinstance(alt, type) and issubclass(alt, BaseModel):
                return alt
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def clean_loc(loc: tuple[int | str, ...], data: Any, etype: str) -> tuple[int | str, ...]:
    """Drop the parts of ``loc`` that are not keys or indices in ``data`` (union member tags).

    The last part of a "missing" or "unknown key" error is kept although absent: it is that key.
    """
    if data is None:
        return tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or "[" in p)))
    out: list[int | str] = []
    current = data
    for i, part in enumerate(loc):
        present = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        )
        if present:
            out.append(part)
            current = current[part]
        elif i == len(loc) - 1 and etype in _PREFERRED and isinstance(current, dict):
            out.append(part)
    return tuple(out)


def problems_from_validation(
    exc: ValidationError,
    root: type[BaseModel],
    *,
    file: str,
    locate: Locator,
    base_path: YamlPath = (),
    code_prefix: str = "schema",
    data: Any = None,
) -> list[Problem]:
    by_place: dict[YamlPath, tuple[dict[str, Any], tuple[int | str, ...]]] = {}
    order: list[YamlPath] = []
    errors = exc.errors(include_url=False)
    for err in errors[:MAX_PROBLEMS]:
        loc = clean_loc(tuple(err["loc"]), data, str(err["type"]))
        place: YamlPath = tuple(base_path) + tuple(loc)
        if place not in by_place:
            by_place[place] = (dict(err), loc)
            order.append(place)
        elif err["type"] in _PREFERRED and by_place[place][0]["type"] not in _PREFERRED:
            by_place[place] = (dict(err), loc)
    # a value that fits no union member is explained by the deeper errors of its best member
    deeper = {p[:k] for p in order for k in range(len(p))}
    kept = [p for p in order if p not in deeper]
    problems = [_problem(by_place[p][0], by_place[p][1], p, root, file, locate, code_prefix, data) for p in kept]
    if len(errors) > MAX_PROBLEMS:
        line, col = locate(tuple(base_path))
        message = f"{len(errors) - MAX_PROBLEMS} more problems not listed (the first {MAX_PROBLEMS} are)"
        problems.append(Problem(code=f"{code_prefix}-more", message=message, file=file, line=line, column=col))
    return problems


def _comma_split_hint(data: Any, loc: tuple[int | str, ...]) -> str:
    """Explain the YAML cause when an unknown key with no value follows a text value in its mapping.

    In a one-line (flow) mapping a comma ends the value: ``{zh: 泰州, en: Taizhou, Jiangsu}``
    is read as ``en: Taizhou`` plus a key ``Jiangsu`` with no value.
    """
    parent = data
    for key in loc[:-1]:
        in_dict = isinstance(parent, dict) and key in parent
        in_list = isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent)
        if not (in_dict or in_list):
            return ""
        parent = parent[key]
    name = loc[-1]
    if not isinstance(parent, dict) or name not in parent or parent[name] is not None:
        return ""
    keys = list(parent)
    at = keys.index(name)
    if at == 0 or not isinstance(parent[keys[at - 1]], str):
        return ""
    before, value = keys[at - 1], parent[keys[at - 1]]
    return (
        f"; '{name}' has no value: in a one-line mapping {{...}} a comma ends a value, so "
        f"'{before}: {value}, {name}' was read as {before}: '{value}' and a key '{name}'. "
        f'Quote the value: {before}: "{value}, {name}"'
    )


def _problem(
    err: dict[str, Any],
    loc: tuple[int | str, ...],
    path: YamlPath,
    root: type[BaseModel],
    file: str,
    locate: Locator,
    code_prefix: str,
    data: Any = None,
) -> Problem:
    line, col = locate(path)
    etype = str(err["type"])
    suggestion: str | None = None
    message = str(err["msg"])
    if etype == "extra_forbidden" and loc and isinstance(loc[-1], str):
        owner = model_at(root, loc)
        candidates = _field_names(owner) if owner else []
        suggestion = suggest(str(loc[-1]), candidates)
        message = f"unknown field '{loc[-1]}'"
        if candidates:
            message += f" (allowed: {', '.join(sorted(candidates))})"
        if suggestion is None:
            message += _comma_split_hint(data, loc)
    elif etype == "missing":
        message = f"missing required field '{loc[-1]}'" if loc else "missing value"
    else:
        ctx_sugg = (err.get("ctx") or {}).get("suggestion")
        if isinstance(ctx_sugg, str) and ctx_sugg:
            suggestion = ctx_sugg
        if "input" in err and etype not in ("model_type", "dict_type"):
            shown = repr(err["input"])
            if len(shown) > 60:
                shown = shown[:57] + "..."
            message = f"{message} (got {shown})"
    return Problem(
        code=f"{code_prefix}-{etype.replace('_', '-')}",
        message=message,
        file=file,
        line=line,
        column=col,
        path=path,
        suggestion=suggestion,
    )
