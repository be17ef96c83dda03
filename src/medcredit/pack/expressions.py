"""The expression sandbox: conditions written in packs, checked once, run safely.

An expression is parsed and type-checked when the pack loads, against a typed
symbol table (the names a pack may use: facts and subject attributes).  Only an
allowlist of syntax is accepted: literals, names, arithmetic, comparisons,
boolean logic, ``x if c else y``, membership in a literal list, and calls of a
few pure functions.  No attribute access, no subscripts, no lambdas, no
comprehensions, no power operator, no callables from the host.

Evaluation runs in :mod:`simpleeval` on the pre-parsed tree.  Because an
expression is pure, its value depends only on the names it references; we
memoise on those values, which makes the common case (a handful of
low-cardinality inputs per subject) a dictionary look-up.
"""

from __future__ import annotations

import ast
import operator
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from simpleeval import SimpleEval

from medcredit.diagnostics.errors import ExpressionError
from medcredit.diagnostics.problems import suggest
from medcredit.io.limits import number_problem
from medcredit.pack.expression_source import check_source_text

ExprType = Literal["number", "bool", "str"]

MAX_LENGTH = 500
MAX_NODES = 200
MAX_MEMO = 4096


def _exact(value: Any) -> Any:
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _div(a: Any, b: Any) -> Any:
    # counts are ints: 3 / 10 must be exactly 0.3, never a float
    return _exact(a) / _exact(b)


def _floordiv(a: Any, b: Any) -> Any:
    return _exact(a) // _exact(b)


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _div,
    ast.FloorDiv: _floordiv,
    ast.Mod: operator.mod,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _num_min(*args: Any) -> Any:
    return min(args)


def _num_max(*args: Any) -> Any:
    return max(args)


#: The whitelisted pure functions, their arity and result type.
FUNCTIONS: dict[str, tuple[Callable[..., Any], int | None, ExprType]] = {
    "min": (_num_min, None, "number"),
    "max": (_num_max, None, "number"),
    "abs": (abs, 1, "number"),
}

_SIMPLEEVAL_OPERATORS: dict[type, Callable[..., Any]] = {
    **_BINOPS,
    **_CMPOPS,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}


@dataclass(frozen=True, slots=True)
class Symbol:
    """A name an expression may reference: its type and what it means."""

    type: ExprType
    doc: str


class _Checker:
    """Walks an AST, rejecting syntax outside the allowlist and inferring types."""

    def __init__(self, source: str, symbols: Mapping[str, Symbol]) -> None:
        self.source = source
        self.symbols = symbols
        self.names: set[str] = set()
        self.count = 0

    def fail(self, message: str, suggestion: str | None = None) -> ExpressionError:
        text = f"{message} in expression {self.source!r}"
        err = ExpressionError(text + (f"; did you mean '{suggestion}'?" if suggestion else ""))
        err.suggestion = suggestion  # type: ignore[attr-defined]
        err.bare = text  # type: ignore[attr-defined]  # without the suggestion, for located problems
        return err

    def check(self, node: ast.AST) -> ExprType:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"expression has more than {MAX_NODES} parts")
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self.fail(f"'{type(node).__name__}' is not allowed")
        result: ExprType = method(node)
        return result

    def _Expression(self, node: ast.Expression) -> ExprType:
        return self.check(node.body)

    def _Constant(self, node: ast.Constant) -> ExprType:
        value = node.value
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int | float):
            # Decimal keeps boundaries exact (the parse tree is rewritten below); its size is bounded like any number
            literal = ast.get_source_segment(self.source, node) or repr(value)
            reason = number_problem(literal)
            if reason is not None:
                raise self.fail(f"literal {literal[:40]}: {reason}")
            return "number"
        if isinstance(value, str):
            if len(value) > 200:
                raise self.fail("string literal longer than 200 characters")
            return "str"
        raise self.fail(f"literal {value!r} is not allowed")

    def _Name(self, node: ast.Name) -> ExprType:
        if node.id in ("True", "False"):
            return "bool"
        sym = self.symbols.get(node.id)
        if sym is None:
            known = ", ".join(sorted(self.symbols))
            raise self.fail(f"unknown name '{node.id}' (names: {known})", suggest(node.id, self.symbols))
        self.names.add(node.id)
        return sym.type

    def _UnaryOp(self, node: ast.UnaryOp) -> ExprType:
        operand = self.check(node.operand)
        if isinstance(node.op, ast.Not):
            self._expect(operand, "bool", "operand of 'not'")
            return "bool"
        if isinstance(node.op, ast.USub | ast.UAdd):
            self._expect(operand, "number", "operand of unary minus/plus")
            return "number"
        raise self.fail(f"operator '{type(node.op).__name__}' is not allowed")

    def _BinOp(self, node: ast.BinOp) -> ExprType:
        if type(node.op) not in _BINOPS:
            raise self.fail(f"operator '{type(node.op).__name__}' is not allowed")
        if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and _literal_number(node.right) == 0:
            raise self.fail("division by zero")
        self._expect(self.check(node.left), "number", "left operand of arithmetic")
        self._expect(self.check(node.right), "number", "right operand of arithmetic")
        return "number"

    def _BoolOp(self, node: ast.BoolOp) -> ExprType:
        for value in node.values:
            self._expect(self.check(value), "bool", "operand of 'and'/'or'")
        return "bool"

    def _Compare(self, node: ast.Compare) -> ExprType:
        if len(node.ops) > 1 and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            # `x in [1] == 1` would compare a truth value with a number: write `and` instead
            raise self.fail("'in' cannot be chained with another comparison; join the tests with 'and'")
        left = self.check(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if type(op) not in _CMPOPS:
                raise self.fail(f"operator '{type(op).__name__}' is not allowed")
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(comparator, ast.List | ast.Tuple):
                    raise self.fail("'in' needs a literal list, e.g. x in ['a', 'b']")
                for elt in comparator.elts:
                    signed = isinstance(elt, ast.UnaryOp) and isinstance(elt.op, ast.USub | ast.UAdd)
                    literal = elt.operand if isinstance(elt, ast.UnaryOp) and signed else elt
                    if not isinstance(literal, ast.Constant) or (signed and _literal_number(elt) is None):
                        # `not False` would be folded as if it were `False`: only plain (signed) literals
                        raise self.fail("the 'in' list may hold only literal values")
                    self._expect(self.check(elt), left, "element of the 'in' list")
                continue
            right = self.check(comparator)
            if right != left:
                raise self.fail(f"cannot compare {left} with {right}")
            if left != "number" and not isinstance(op, ast.Eq | ast.NotEq):
                raise self.fail(f"ordering comparison of {left} values")
            left = right
        return "bool"

    def _IfExp(self, node: ast.IfExp) -> ExprType:
        self._expect(self.check(node.test), "bool", "condition of 'if'")
        body = self.check(node.body)
        orelse = self.check(node.orelse)
        if body != orelse:
            raise self.fail(f"both branches of 'if' must have one type ({body} vs {orelse})")
        return body

    def _Call(self, node: ast.Call) -> ExprType:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only calls of whitelisted functions by name are allowed")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function '{name}'", suggest(name, FUNCTIONS))
        if node.keywords:
            raise self.fail(f"keyword arguments to '{name}' are not allowed")
        _fn, arity, result = FUNCTIONS[name]
        if arity is not None and len(node.args) != arity:
            raise self.fail(f"'{name}' takes {arity} argument(s)")
        if not node.args:
            raise self.fail(f"'{name}' needs at least one argument")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail("'*' arguments are not allowed")
            self._expect(self.check(arg), "number", f"argument of '{name}'")
        return result

    def _expect(self, got: ExprType, want: ExprType, where: str) -> None:
        if got != want:
            raise self.fail(f"{where} must be {want}, got {got}")


def _literal_number(node: ast.AST) -> int | float | None:
    """The value of a numeric literal, optionally signed (``-0``, ``0.0``); None for anything else."""
    sign = 1
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return sign * node.value
    return None


class _DecimalLiterals(ast.NodeTransformer):
    """Replace float literals with exact Decimals (0.1 means 0.1) and fold ``in`` lists.

    The checker has already proved that ``in`` lists hold only literals, so they
    become one constant tuple, which simpleeval can evaluate without enabling
    compound types.
    """

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float) and not isinstance(node.value, bool):
            source = ast.get_source_segment(self.source, node) or repr(node.value)
            return ast.copy_location(ast.Constant(value=Decimal(source)), node)  # type: ignore[arg-type]
        return node

    def __init__(self, source: str) -> None:
        self.source = source

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._fold(node)

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._fold(node)

    def _fold(self, node: ast.List | ast.Tuple) -> ast.AST:
        values = []
        for elt in node.elts:
            folded = self.visit(elt)
            if isinstance(folded, ast.UnaryOp) and isinstance(folded.operand, ast.Constant):
                value: Any = folded.operand.value
                values.append(-value if isinstance(folded.op, ast.USub) else value)
                continue
            assert isinstance(folded, ast.Constant)
            values.append(folded.value)
        # simpleeval returns a Constant's value as is, so a tuple constant is fine at run time
        return ast.copy_location(ast.Constant(value=tuple(values)), node)  # type: ignore[arg-type]


def _new_evaluator() -> SimpleEval:
    return SimpleEval(
        operators=dict(_SIMPLEEVAL_OPERATORS),
        functions={name: spec[0] for name, spec in FUNCTIONS.items()},
        names={},
    )


@dataclass(slots=True)
class Expression:
    """A compiled, type-checked expression; call :meth:`evaluate` with a namespace.

    Thread-safe: simpleeval keeps the names on the evaluator, so each thread gets
    its own evaluator; the memo is a dict whose single-key operations are atomic.
    """

    source: str
    type: ExprType
    names: tuple[str, ...]
    _tree: ast.AST
    _local: threading.local = field(default_factory=threading.local)
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def evaluate(self, namespace: Mapping[str, Any]) -> Any:
        key = tuple(namespace[n] for n in self.names)
        memo = self._memo
        if key in memo:
            return memo[key]
        evaluator = getattr(self._local, "evaluator", None)
        if evaluator is None:
            evaluator = self._local.evaluator = _new_evaluator()
        evaluator.names = dict(zip(self.names, key, strict=True))
        try:
            value = evaluator.eval(self.source, previously_parsed=self._tree)
        except (ArithmeticError, TypeError) as exc:
            raise ExpressionError(f"expression {self.source!r} failed with {key!r}: {type(exc).__name__}") from exc
        if len(memo) < MAX_MEMO:
            memo[key] = value
        return value


def compile_expression(source: str, symbols: Mapping[str, Symbol], *, want: ExprType | None = None) -> Expression:
    """Parse, check and prepare ``source``; raise :class:`ExpressionError` if refused."""
    if not isinstance(source, str):
        raise ExpressionError(f"expression must be text, got {type(source).__name__}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    check_source_text(source.strip())
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in expression {source!r}: {exc.msg}") from exc
    checker = _Checker(source, symbols)
    result = checker.check(tree)
    if want is not None and result != want:
        raise checker.fail(f"expression must be {want}, got {result}")
    tree = _DecimalLiterals(source.strip()).visit(tree)
    body = tree.body if isinstance(tree, ast.Expression) else tree
    return Expression(source=source.strip(), type=result, names=tuple(sorted(checker.names)), _tree=body)
