"""Reference pages generated from pydantic models: one table of fields per model.

Used by the generated docs (pack format, history format, case files); it lives in
this low layer so that every kit above can describe its own models.
"""

from __future__ import annotations

from typing import Any


def _describe_type(annotation: Any) -> str:
    """A readable type: ``list[Rule]``, ``id``, ``number``, ``date``, ``A | B``."""
    import types
    import typing

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        base = args[0]
        meta = " ".join(str(m) for m in args[1:])
        if base is str and "pattern" in meta:
            return "id"
        return _describe_type(base)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_describe_type(a) for a in args)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (list, tuple):
        return f"list[{_describe_type(args[0])}]"
    if origin is dict:
        return f"map[{_describe_type(args[0])} → {_describe_type(args[1])}]"
    names = {
        "Decimal": "number",
        "date": "date",
        "str": "text",
        "int": "integer",
        "bool": "boolean",
        "NoneType": "null",
    }
    name = getattr(annotation, "__name__", str(annotation))
    return names.get(name, name)


def models_markdown(module: Any, first: str, head: list[str]) -> str:
    """A reference page: one table per pydantic model of ``module`` (``first`` first, then by name)."""
    from pydantic import BaseModel

    lines = list(head)
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == module.__name__
        and not obj.__name__.startswith("_")
    ]
    order = [first, *sorted(c.__name__ for c in classes if c.__name__ != first)]
    by_name = {c.__name__: c for c in classes}
    for name in order:
        cls = by_name[name]
        lines += [
            f"## {name}",
            "",
            (cls.__doc__ or "").strip(),
            "",
            "| field | type | required | meaning |",
            "|---|---|---|---|",
        ]
        for field_name, field in cls.model_fields.items():
            desc = (field.description or "").replace("|", "\\|")
            required = "yes" if field.is_required() else "no"
            lines.append(f"| `{field_name}` | {_describe_type(field.annotation)} | {required} | {desc} |")
        lines.append("")
    return "\n".join(lines)
