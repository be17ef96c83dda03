"""Arguments of the public functions checked against their annotations: a wrong type is an ArgumentError.

The facade (``medcredit.__init__``) wraps the functions it exports with :func:`checked`, so a
caller who passes ``None`` for a pack, a string for a date or a number for a file name gets a
typed error naming the function and the argument, not an ``AttributeError`` from deep inside.
Values of the right type are checked by the functions themselves (ranges, known ids).

Only what an ``isinstance`` can tell is checked: classes, unions, ``Literal`` values, and the
container type of a generic (``Iterable[int]`` checks that the value is iterable and not a
string; it does not iterate, which would consume an iterator).  An annotation that cannot be
resolved at run time (a name imported only for type checking) is not checked.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import functools
import inspect
import os
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from medcredit.diagnostics.errors import ArgumentError

F = TypeVar("F", bound=Callable[..., Any])

#: The days medcredit reasons about, in histories and in arguments.  Wider than any cycle (1990-2199) or
#: birth date (1900 on), and narrow enough that every period the law counts from a day (years of bans,
#: bars, publicity) stays a date Python can hold.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)

# a check takes the value and says whether it fits
Check = Callable[[Any], bool]


def _any(_value: Any) -> bool:
    return True


def _instance(kind: type) -> Check:
    if kind is bool:
        return lambda value: isinstance(value, bool)
    if kind is int or kind is float:  # a bool is an int to Python, never a count or a year to us
        return lambda value: isinstance(value, int | float if kind is float else int) and not isinstance(value, bool)
    if issubclass(kind, os.PathLike):  # a Path annotation takes any path object (PurePath, os.PathLike)
        return lambda value: isinstance(value, os.PathLike)
    if kind is dt.date:  # a datetime is a date to Python; a calendar day has no time of day
        return lambda value: isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return lambda value: isinstance(value, kind)


def _container(origin: type) -> Check:
    # a string is iterable, but never the collection of ids, cycles or codes an annotation asks for
    return lambda value: isinstance(value, origin) and not isinstance(value, str | bytes)


def compile_check(annotation: Any) -> Check:
    """A predicate for values of ``annotation``."""
    if annotation is Any or annotation is inspect.Parameter.empty or isinstance(annotation, TypeVar):
        return _any
    if annotation is None or annotation is type(None):
        return lambda value: value is None
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        checks = [compile_check(a) for a in typing.get_args(annotation)]
        return lambda value: any(c(value) for c in checks)
    if origin is typing.Literal:
        allowed = typing.get_args(annotation)
        # the value's kind too: True == 1, but a flag is not a number (a str subclass is still text)
        return lambda value: any(
            value == a and isinstance(value, type(a)) and (type(a) is not int or not isinstance(value, bool))
            for a in allowed
        )
    if origin is collections.abc.Callable:
        return callable
    if isinstance(origin, type):
        if origin is str or origin is bytes or not issubclass(origin, collections.abc.Iterable):
            return _instance(origin)
        return _container(origin)
    if isinstance(annotation, type):
        return _instance(annotation)
    return _any  # NewType, Annotated metadata, protocols: left to the function


def _describe(annotation: Any) -> str:
    text = str(annotation) if not isinstance(annotation, type) else annotation.__qualname__
    return text.replace("typing.", "").replace("collections.abc.", "").replace("datetime.", "")


def type_name(value: Any) -> str:
    """The type of ``value`` as an error message names it: ``int``, ``pandas.core.frame.DataFrame``."""
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _resolved(fn: Callable[..., Any]) -> dict[str, Any]:
    """The function's annotations as objects; one that cannot be resolved is left out (not checked)."""
    try:
        return typing.get_type_hints(fn)
    except Exception:  # a name imported only under TYPE_CHECKING: resolve the others one by one
        hints: dict[str, Any] = {}
        namespace = getattr(fn, "__globals__", {})
        for name, text in getattr(fn, "__annotations__", {}).items():
            # the text is an annotation of our own source, evaluated as typing.get_type_hints would
            try:
                hints[name] = eval(text, namespace) if isinstance(text, str) else text
            except Exception:  # an annotation we cannot resolve is not checked
                continue
        return hints


def checked(fn: F, public: str, module: str, /, **validators: Callable[[Any], object]) -> F:
    """``fn`` with its arguments checked against its annotations (ArgumentError naming the argument).

    ``public`` and ``module`` are the name and module the wrapper is exported as: errors name the function
    as the caller knows it, and pickle (``multiprocessing``, ``concurrent.futures``) finds the wrapper
    itself by that name.  ``validators`` check the value of an argument further once its type is right
    (a year's range, say): each is called with the value and raises ArgumentError itself.
    """
    signature = inspect.signature(fn)
    checks: dict[str, tuple[Check, Any]] | None = None

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal checks
        if checks is None:  # resolved on first use: the modules the annotations name are all loaded by then
            hints = _resolved(fn)
            checks = {n: (compile_check(hints[n]), hints[n]) for n in signature.parameters if n in hints}
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise ArgumentError(f"{public}(): {exc}") from None
        for name, value in bound.arguments.items():
            found = checks.get(name)
            if found is None:
                continue
            kind = signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_POSITIONAL or kind is inspect.Parameter.VAR_KEYWORD:
                continue  # *args / **kwargs annotate each item; the functions check those
            check, annotation = found
            if not check(value):
                raise ArgumentError(
                    f"{public}(): {name} must be {_describe(annotation)}, got {type_name(value)} {repr(value)[:40]}"
                )
            if isinstance(value, dt.date) and not FIRST_DAY <= value <= LAST_DAY:
                raise ArgumentError(f"{public}(): {name} {value} is out of range: a day from {FIRST_DAY} to {LAST_DAY}")
        for name, validate in validators.items():
            if name in bound.arguments:
                validate(bound.arguments[name])
        return fn(*args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = public
    wrapper.__module__ = module  # the original stays reachable as __wrapped__ (signature, docs, its layer)
    return typing.cast(F, wrapper)
