"""Pack expressions over whole columns: the sandboxed AST evaluated with numpy.

Numbers are exact: a numeric column is an ``int64`` array with a decimal scale
(value = array / 10**scale), so ``recovered_total >= 10000.00`` compares fen
with fen.  Only the node kinds listed here are vectorised; anything else (such
as division, whose exact result is not an integer of a fixed scale) raises
:class:`NotVectorisedError` with the reason, and the caller falls back to the
per-subject engine.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from medcredit.pack.expressions import Expression


class NotVectorisedError(Exception):
    """A pack construct the columnar path does not compute; the message says which."""


@dataclass(frozen=True, slots=True)
class Num:
    """Exact numbers: ``values / 10**scale`` (values broadcast against the subjects)."""

    values: np.ndarray
    scale: int

    def at(self, scale: int) -> np.ndarray:
        return self.values * (10 ** (scale - self.scale)) if scale > self.scale else self.values


Value = Num | np.ndarray | str | tuple[Any, ...]


def number(value: Decimal | int) -> Num:
    exponent = Decimal(value).as_tuple().exponent
    scale = max(0, -exponent) if isinstance(exponent, int) else 0
    return Num(np.asarray(int(Decimal(value).scaleb(scale))), scale)


def _align(a: Num, b: Num) -> tuple[np.ndarray, np.ndarray, int]:
    scale = max(a.scale, b.scale)
    return a.at(scale), b.at(scale), scale


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}


class _Vectoriser:
    def __init__(self, names: Mapping[str, Value]) -> None:
        self.names = names

    def eval(self, node: ast.AST) -> Value:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise NotVectorisedError(f"expression syntax {type(node).__name__} is not vectorised")
        result: Value = method(node)
        return result

    def _Expression(self, node: ast.Expression) -> Value:
        return self.eval(node.body)

    def _Constant(self, node: ast.Constant) -> Value:
        value = node.value
        if isinstance(value, bool):
            return np.asarray(value)
        if isinstance(value, int | Decimal):
            return number(value)
        if isinstance(value, str | tuple):
            return value
        raise NotVectorisedError(f"constant {value!r} is not vectorised")

    def _Name(self, node: ast.Name) -> Value:
        if node.id not in self.names:
            raise NotVectorisedError(f"name {node.id} is not available to the columnar path")
        return self.names[node.id]

    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self.eval(node.operand)
        if isinstance(node.op, ast.Not) and isinstance(operand, np.ndarray):
            return ~operand.astype(bool)
        if isinstance(operand, Num) and isinstance(node.op, ast.USub):
            return Num(-operand.values, operand.scale)
        if isinstance(operand, Num) and isinstance(node.op, ast.UAdd):
            return operand
        raise NotVectorisedError(f"unary {type(node.op).__name__} is not vectorised")

    def _BinOp(self, node: ast.BinOp) -> Value:
        left, right = self.eval(node.left), self.eval(node.right)
        if not (isinstance(left, Num) and isinstance(right, Num)):
            raise NotVectorisedError("arithmetic on non-numbers is not vectorised")
        if isinstance(node.op, ast.Add | ast.Sub):
            a, b, scale = _align(left, right)
            return Num(a + b if isinstance(node.op, ast.Add) else a - b, scale)
        if isinstance(node.op, ast.Mult):
            return Num(left.values * right.values, left.scale + right.scale)
        raise NotVectorisedError(
            f"operator {type(node.op).__name__} is not vectorised (its exact result has no fixed scale)"
        )

    def _BoolOp(self, node: ast.BoolOp) -> Value:
        values = [self._bool(self.eval(v)) for v in node.values]
        out = values[0]
        for v in values[1:]:
            out = (out & v) if isinstance(node.op, ast.And) else (out | v)
        return out

    def _bool(self, value: Value) -> np.ndarray:
        if isinstance(value, np.ndarray) and value.dtype == bool:
            return value
        raise NotVectorisedError("a boolean operand is not a boolean column")

    def _Compare(self, node: ast.Compare) -> Value:
        out: np.ndarray | None = None
        left = self.eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator)
            result = self._compare(op, left, right)
            out = result if out is None else (out & result)
            left = right
        assert out is not None
        return out

    def _compare(self, op: ast.cmpop, left: Value, right: Value) -> np.ndarray:
        if isinstance(op, ast.In | ast.NotIn):
            if not isinstance(right, tuple):
                raise NotVectorisedError("membership needs a literal list")
            if isinstance(left, Num):
                allowed = []
                for v in right:
                    scaled = Decimal(v).scaleb(left.scale)
                    if scaled == scaled.to_integral_value():  # a literal finer than the column never matches
                        allowed.append(int(scaled))
                found = np.isin(left.values, allowed)
            elif isinstance(left, np.ndarray | str):
                found = np.isin(np.asarray(left), list(right))
            else:
                raise NotVectorisedError("membership of this operand is not vectorised")
            return ~found if isinstance(op, ast.NotIn) else found
        compare = _COMPARE.get(type(op))
        if compare is None:
            raise NotVectorisedError(f"comparison {type(op).__name__} is not vectorised")
        if isinstance(left, Num) and isinstance(right, Num):
            a, b, _ = _align(left, right)
            return np.asarray(compare(a, b))
        if isinstance(left, Num) or isinstance(right, Num) or isinstance(left, tuple) or isinstance(right, tuple):
            raise NotVectorisedError("comparison of a number with a non-number is not vectorised")
        return np.asarray(compare(np.asarray(left, dtype=object), np.asarray(right, dtype=object))).astype(bool)

    def _IfExp(self, node: ast.IfExp) -> Value:
        test = self._bool(self.eval(node.test))
        body, orelse = self.eval(node.body), self.eval(node.orelse)
        if isinstance(body, Num) and isinstance(orelse, Num):
            a, b, scale = _align(body, orelse)
            return Num(np.where(test, a, b), scale)
        if isinstance(body, np.ndarray) and isinstance(orelse, np.ndarray):
            return np.where(test, body, orelse)
        raise NotVectorisedError("a conditional over these operands is not vectorised")

    def _Call(self, node: ast.Call) -> Value:
        assert isinstance(node.func, ast.Name)
        args = [self.eval(a) for a in node.args]
        if not all(isinstance(a, Num) for a in args):
            raise NotVectorisedError("function arguments must be numbers")
        nums: list[Num] = [a for a in args if isinstance(a, Num)]
        if node.func.id == "abs":
            return Num(np.abs(nums[0].values), nums[0].scale)
        reduce = {"min": np.minimum, "max": np.maximum}.get(node.func.id)
        if reduce is None:
            raise NotVectorisedError(f"function {node.func.id} is not vectorised")
        scale = max(a.scale for a in nums)
        out = nums[0].at(scale)
        for a in nums[1:]:
            out = reduce(out, a.at(scale))
        return Num(out, scale)


def tree(expression: Expression) -> ast.AST:
    """The checked tree of a compiled expression (read only)."""
    return expression._tree


def evaluate_bool(expression: Expression, names: Mapping[str, Value], size: int) -> np.ndarray:
    """A boolean column: the expression for every subject."""
    value = _Vectoriser(names).eval(tree(expression))
    if not (isinstance(value, np.ndarray) and value.dtype == bool):
        raise NotVectorisedError(f"expression {expression.source!r} does not give a boolean column")
    return np.broadcast_to(value, (size,))


def check(expression: Expression, names: Mapping[str, Value]) -> None:
    """Raise NotVectorisedError now (at planning) rather than mid-batch."""
    evaluate_bool(expression, names, 1)
