"""Python source from a pack expression's checked tree, emitting only the sandbox's allowlisted syntax.

The tree has been type-checked and had its float literals turned into exact
Decimals and its ``in`` lists folded into constant tuples by
:mod:`medcredit.pack.expressions`; the generated source evaluates the same
operations in the same order as the sandbox (simpleeval) does: Python's
chained comparisons and ``and``/``or`` short-circuit exactly as simpleeval's
loops do, division goes through the sandbox's own exact ``_div``.  Names and
non-trivial constants become references to locals and namespace entries, so
no text of the pack is ever pasted into code: strings are emitted with
``repr``, numbers as ints or hoisted Decimal objects.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from medcredit.engine.codegen.support import EXPRESSION_NODES

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Mod: "%"}
_HELPER_BINOPS = {ast.Div: "_div", ast.FloorDiv: "_floordiv"}
_CMPOPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_FUNCTIONS = {"min": "_num_min", "max": "_num_max", "abs": "abs"}


class ExpressionSource:
    """Turns checked trees into source; ``name`` maps a pack name to a local, ``const`` hoists a value."""

    def __init__(self, name: Callable[[str], str], const: Callable[[Any], str]) -> None:
        self.name = name
        self.const = const

    def emit(self, node: ast.AST) -> str:
        if not isinstance(node, EXPRESSION_NODES):
            raise ValueError(f"syntax {type(node).__name__} is not generated")
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            op = {ast.Not: "not ", ast.USub: "-", ast.UAdd: "+"}[type(node.op)]
            return f"({op}{self.emit(node.operand)})"
        if isinstance(node, ast.BinOp):
            helper = _HELPER_BINOPS.get(type(node.op))
            if helper is not None:
                return f"{helper}({self.emit(node.left)}, {self.emit(node.right)})"
            return f"({self.emit(node.left)} {_BINOPS[type(node.op)]} {self.emit(node.right)})"
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            return "(" + joiner.join(self.emit(v) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            parts = [self.emit(node.left)]
            for cmp, right in zip(node.ops, node.comparators, strict=True):
                parts += [_CMPOPS[type(cmp)], self.emit(right)]
            return "(" + " ".join(parts) + ")"
        if isinstance(node, ast.IfExp):
            return f"({self.emit(node.body)} if {self.emit(node.test)} else {self.emit(node.orelse)})"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return f"{_FUNCTIONS[node.func.id]}({', '.join(self.emit(a) for a in node.args)})"
        raise ValueError(f"syntax {type(node).__name__} is not generated")

    def _constant(self, value: Any) -> str:
        if isinstance(value, bool) or value is None:
            return repr(value)
        if isinstance(value, int | str):
            return repr(value)
        if isinstance(value, Decimal | tuple):
            return self.const(value)
        raise ValueError(f"literal {type(value).__name__} is not generated")
