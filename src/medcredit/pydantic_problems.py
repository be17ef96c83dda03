"""Turn pydantic validation errors into located, ranked :class:`Problem` values.

pydantic reports a ``loc`` path; we map it to the YAML/JSON position recorded
by :mod:`medcredit.yamlload` and, for unknown keys, suggest the nearest field
of the model at that place (walking the model classes along the path).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from medcredit.problems import Problem, YamlPath, suggest
from medcredit.yamlload import Located

Locator = Callable[[YamlPath], tuple[int, int]]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model class inside ``annotation`` (list[X], X | None, dict[str, X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, dict, Union, types.UnionType) or origin is not None:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc``."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            # dict keys (e.g. named band sets) stay on the value model
            continue
        model = _model_in(field.annotation)
    return model


def _field_names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        names.append(field.alias or name)
    return names


def problems_from_validation(
    exc: ValidationError,
    root: type[BaseModel],
    *,
    file: str,
    locate: Locator,
    base_path: YamlPath = (),
    code_prefix: str = "schema",
) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic puts union-member tags in loc ("int", "str" ...); keep only real path parts
        path: YamlPath = tuple(base_path) + tuple(loc)
        line, col = locate(path)
        etype = err["type"]
        suggestion: str | None = None
        message = str(err["msg"])
        if etype == "extra_forbidden" and loc and isinstance(loc[-1], str):
            owner = model_at(root, loc)
            candidates = _field_names(owner) if owner else []
            suggestion = suggest(str(loc[-1]), candidates)
            message = f"unknown field '{loc[-1]}'"
            if candidates:
                message += f" (allowed: {', '.join(sorted(candidates))})"
        elif etype == "missing":
            message = f"missing required field '{loc[-1]}'" if loc else "missing value"
        else:
            ctx_sugg = (err.get("ctx") or {}).get("suggestion")
            if isinstance(ctx_sugg, str):
                suggestion = ctx_sugg
            if "input" in err and etype not in ("model_type", "dict_type"):
                shown = repr(err["input"])
                if len(shown) > 60:
                    shown = shown[:57] + "..."
                message = f"{message} (got {shown})"
        out.append(
            Problem(
                code=f"{code_prefix}-{etype.replace('_', '-')}",
                message=message,
                file=file,
                line=line,
                column=col,
                path=path,
                suggestion=suggestion,
            )
        )
    return out


def locator_for(located: Located | None, default_line: int = 0) -> Locator:
    if located is None:
        return lambda _path: (default_line, 0)
    return located.where
