"""Tests of the expression sandbox: allowlist, compile-time types, exact decimals (medcredit.pack.expressions)."""

from __future__ import annotations

import contextlib
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest

from medcredit.diagnostics.errors import ExpressionError
from medcredit.pack.expressions import MAX_LENGTH, MAX_MEMO, Symbol, compile_expression

SYMBOLS: dict[str, Symbol] = {
    "x": Symbol("number", "a number"),
    "y": Symbol("number", "another number"),
    "flag": Symbol("bool", "a flag"),
    "cat": Symbol("str", "a category"),
    "inspections": Symbol("number", "inspections in the cycle"),
    "agreement_end_reason": Symbol("str", "why the agreement ended"),
}
NS: dict[str, Any] = {
    "x": Decimal(3),
    "y": Decimal(0),
    "flag": True,
    "cat": "retail_pharmacy",
    "inspections": 2,
    "agreement_end_reason": "",
}


def refused(source: str, **kwargs: Any) -> ExpressionError:
    """The ExpressionError raised when compiling ``source`` (fails the test if it compiles)."""
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, SYMBOLS, **kwargs)
    return info.value


# ------------------------------------------------------------------ what is allowed


@pytest.mark.parametrize(
    ("source", "type_", "value"),
    [
        ("x + 1", "number", Decimal(4)),
        ("x - 1.5", "number", Decimal("1.5")),
        ("x * 2", "number", Decimal(6)),
        ("x / 2", "number", Decimal("1.5")),
        ("x // 2", "number", Decimal(1)),
        ("x % 2", "number", Decimal(1)),
        ("-x", "number", Decimal(-3)),
        ("min(x, 1, 2)", "number", Decimal(1)),
        ("max(x, 10)", "number", 10),
        ("abs(-x)", "number", Decimal(3)),
        ("x > 2 and not flag", "bool", False),
        ("x > 2 or flag", "bool", True),
        ("1 < x <= 3", "bool", True),
        ("cat == 'retail_pharmacy'", "bool", True),
        ("cat != 'retail_pharmacy'", "bool", False),
        ("cat in ['retail_pharmacy', 'outpatient_clinic']", "bool", True),
        ("agreement_end_reason not in ('violation', 'fraud')", "bool", True),
        ("x in [1, 2, 3]", "bool", True),
        ("x in [-3, 3.5]", "bool", False),
        ("x if flag else 0", "number", Decimal(3)),
        ("cat if flag else 'none'", "str", "retail_pharmacy"),
        ("True", "bool", True),
        ("inspections == 0", "bool", False),
    ],
)
def test_allowed_expressions_compile_with_a_type_and_evaluate(source: str, type_: str, value: Any) -> None:
    """Literals, names, arithmetic, comparisons, boolean logic, if-else, literal 'in' and min/max/abs work."""
    expr = compile_expression(source, SYMBOLS)
    assert expr.type == type_
    assert expr.evaluate(NS) == value


def test_names_are_the_sorted_referenced_symbols() -> None:
    """An expression records exactly the symbols it uses (the memo key and the trace inputs)."""
    expr = compile_expression("y + x > 1 and flag", SYMBOLS)
    assert expr.names == ("flag", "x", "y")
    assert compile_expression("1 + 2 == 3", SYMBOLS).names == ()


def test_source_is_kept_stripped() -> None:
    """The compiled expression keeps its source text without surrounding white space."""
    assert compile_expression("  x + 1  ", SYMBOLS).source == "x + 1"


def test_want_checks_the_result_type() -> None:
    """``want='bool'`` refuses an expression of another type (a pack condition must be a condition)."""
    assert compile_expression("x > 1", SYMBOLS, want="bool").type == "bool"
    err = refused("x + 1", want="bool")
    assert "must be bool, got number" in str(err)


# ------------------------------------------------------------------ the allowlist


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("x.real", "Attribute"),
        ("x[0]", "Subscript"),
        ("(lambda: 1)()", "calls"),
        ("lambda: 1", "Lambda"),
        ("[i for i in [1, 2]]", "ListComp"),
        ("{i for i in [1, 2]}", "SetComp"),
        ("{i: i for i in [1, 2]}", "DictComp"),
        ("sum(i for i in [1, 2])", "sum"),
        ("x ** 2", "Pow"),
        ("min(x, key=y)", "keyword"),
        ("min(*[x, y])", "*"),
        ("open('/etc/passwd')", "open"),
        ("zz > 1", "zz"),
        ("x << 1", "LShift"),
        ("x & 1", "BitAnd"),
        ("~x", "Invert"),
        ("x @ y", "MatMult"),
        ("f'{x}'", "JoinedStr"),
        ("[x, y]", "List"),
        ("{'a': x}", "Dict"),
        ("None", "None"),
        ("b'x' == b'x'", "b'x'"),
        ("x is y", "Is"),
        ("x is not y", "IsNot"),
    ],
)
def test_constructs_outside_the_allowlist_are_refused(source: str, named: str) -> None:
    """Each refused construct raises ExpressionError naming the construct or symbol and quoting the expression."""
    err = refused(source)
    message = str(err)
    assert named in message
    assert repr(source) in message or source in message


def test_unknown_name_is_refused_with_a_suggestion() -> None:
    """A name missing from the symbol table is refused, naming it and suggesting the nearest symbol."""
    err = refused("inspection == 0")
    assert "unknown name 'inspection'" in str(err)
    assert "did you mean 'inspections'?" in str(err)
    assert getattr(err, "suggestion", None) == "inspections"


def test_unknown_function_is_refused_with_a_suggestion() -> None:
    """Calling a function outside min/max/abs is refused, naming it and suggesting a whitelisted one."""
    err = refused("mn(x, 1) > 0")
    assert "unknown function 'mn'" in str(err)
    assert getattr(err, "suggestion", None) == "min"


@pytest.mark.parametrize(("source", "why"), [("abs(x, y)", "takes 1"), ("min()", "at least one")])
def test_function_arity_is_checked(source: str, why: str) -> None:
    """Whitelisted functions are called with the right number of arguments."""
    assert why in str(refused(source))


def test_too_long_expression_is_refused() -> None:
    """An expression longer than MAX_LENGTH characters is refused before parsing."""
    source = "x + " * (MAX_LENGTH // 4) + "x"
    assert len(source) > MAX_LENGTH
    assert f"longer than {MAX_LENGTH}" in str(refused(source))


def test_expression_with_too_many_parts_is_refused() -> None:
    """An expression with more than the allowed number of AST nodes is refused."""
    source = "x" + " + x" * 110
    assert len(source) <= MAX_LENGTH
    assert "parts" in str(refused(source))


@pytest.mark.parametrize("source", ["", "   ", "x ==", "x == 1 and", "x\n+1", "x := 1", "x\x00"])
def test_syntax_errors_are_expression_errors(source: str) -> None:
    """Unparsable text is an ExpressionError quoting it, never a SyntaxError or ValueError."""
    assert "syntax error" in str(refused(source))


@pytest.mark.parametrize("source", [123, None, ["x"]])
def test_non_text_is_refused(source: Any) -> None:
    """Only text is an expression."""
    assert "must be text" in str(refused(source))


# ------------------------------------------------------------------ types at compile time


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("agreement_end_reason > 3", "cannot compare str with number"),
        ("cat < 'b'", "ordering comparison of str"),
        ("flag < True", "ordering comparison of bool"),
        ("x == flag", "cannot compare number with bool"),
        ("not x", "operand of 'not' must be bool"),
        ("-cat", "must be number, got str"),
        ("flag and x", "must be bool, got number"),
        ("x + True", "must be number, got bool"),
        ("'a' * 3", "must be number, got str"),
        ("x if flag else cat", "both branches"),
        ("x if 1 else 2", "condition of 'if' must be bool"),
        ("cat in [1, 2]", "element of the 'in' list must be str"),
        ("x in [1, 'a']", "element of the 'in' list must be number"),
        ("x in y", "literal list"),
        ("cat in [cat]", "only literal values"),
        ("abs(cat)", "argument of 'abs' must be number"),
    ],
)
def test_type_errors_are_found_at_compile_time(source: str, fragment: str) -> None:
    """Ill-typed expressions are refused when the pack loads, with a message saying what is wrong."""
    message = str(refused(source))
    assert fragment in message
    assert source in message


# ------------------------------------------------------------------ exact decimals


def test_decimal_literal_times_decimal_is_exact() -> None:
    """``x * 0.1`` with x = Decimal('3') is exactly Decimal('0.3'): float literals are read as decimals."""
    result = compile_expression("x * 0.1", SYMBOLS).evaluate({"x": Decimal("3")})
    assert type(result) is Decimal
    assert result == Decimal("0.3")
    assert str(result) == "0.3"


def test_decimal_literals_compare_exactly() -> None:
    """0.1 + 0.2 == 0.3 holds, as in the law's text, not as in binary floating point."""
    assert compile_expression("0.1 + 0.2 == 0.3", SYMBOLS).evaluate({}) is True


def test_literal_keeps_its_written_digits() -> None:
    """A literal like 1e3 or 59.99 keeps its exact decimal value."""
    assert compile_expression("x + 59.99", SYMBOLS).evaluate({"x": Decimal(0)}) == Decimal("59.99")
    assert compile_expression("x + 1e3", SYMBOLS).evaluate({"x": Decimal(0)}) == Decimal(1000)


def test_division_of_integer_counts_is_exact() -> None:
    """A count fact (a Python int) divided by 10 compares exactly with 0.3: no float creeps in."""
    expr = compile_expression("x / 10 == 0.3", SYMBOLS)
    assert expr.evaluate({"x": 3}) is True


def test_division_of_integer_literals_mixes_with_decimals() -> None:
    """``1 / 10 + x`` evaluates to Decimal('1.1') instead of failing on float + Decimal."""
    expr = compile_expression("1 / 10 + x", SYMBOLS)
    result = expr.evaluate({"x": Decimal(1)})
    assert result == Decimal("1.1")
    assert type(result) is Decimal


# ------------------------------------------------------------------ runtime errors


@pytest.mark.parametrize("source", ["x / y", "x // y", "x % y"])
@pytest.mark.parametrize("zero", [Decimal(0), 0], ids=["decimal", "int"])
def test_division_by_zero_is_an_expression_error(source: str, zero: Any) -> None:
    """Dividing by zero at run time raises ExpressionError naming the expression, never ZeroDivisionError."""
    expr = compile_expression(source, SYMBOLS)
    with pytest.raises(ExpressionError) as info:
        expr.evaluate({"x": Decimal(3) if isinstance(zero, Decimal) else 3, "y": zero})
    assert not isinstance(info.value, ZeroDivisionError)
    assert source in str(info.value)


def test_decimal_overflow_is_an_expression_error() -> None:
    """An overflowing result raises ExpressionError, not decimal.Overflow."""
    expr = compile_expression("x * y", SYMBOLS)
    with pytest.raises(ExpressionError):
        expr.evaluate({"x": Decimal("1E+999999"), "y": Decimal("1E+999999")})


def test_huge_literal_is_refused_at_load() -> None:
    """A literal beyond the number bounds (issue 11: 1e999999999) is refused when the pack loads."""
    assert "out of range" in str(refused("x * 1e999999999"))


# ------------------------------------------------------------------ memoisation


def test_memoised_results_equal_fresh_results() -> None:
    """Repeated evaluation returns the same values as a fresh compile, for every input."""
    source = "x * 0.5 + y if flag else y - x"
    memo = compile_expression(source, SYMBOLS)
    inputs = [
        {"x": Decimal(a), "y": Decimal(b), "flag": f} for a in range(-3, 4) for b in range(3) for f in (True, False)
    ]
    first = [memo.evaluate(ns) for ns in inputs]
    again = [memo.evaluate(ns) for ns in reversed(inputs)][::-1]
    fresh = [compile_expression(source, SYMBOLS).evaluate(ns) for ns in inputs]
    assert first == again == fresh


def test_memo_ignores_unreferenced_names_and_tracks_referenced_ones() -> None:
    """Only referenced names key the memo: other names do not matter, referenced ones always do."""
    expr = compile_expression("x + 1", SYMBOLS)
    assert expr.evaluate({"x": Decimal(1), "y": Decimal(5)}) == Decimal(2)
    assert expr.evaluate({"x": Decimal(1), "y": Decimal(9)}) == Decimal(2)
    assert expr.evaluate({"x": Decimal(2), "y": Decimal(9)}) == Decimal(3)


def test_memo_is_bounded() -> None:
    """The memo stops growing at MAX_MEMO entries and results stay correct beyond it."""
    expr = compile_expression("x + 1", SYMBOLS)
    for i in range(MAX_MEMO + 50):
        assert expr.evaluate({"x": i}) == i + 1
    assert len(expr._memo) == MAX_MEMO


def test_concurrent_evaluation_gives_each_caller_its_own_result() -> None:
    """A compiled pack is shared across threads: concurrent evaluations never see another thread's inputs."""
    expr = compile_expression("x + 0", SYMBOLS)
    wrong: list[tuple[int, Any]] = []

    def work(base: int) -> None:
        for i in range(5000):
            value = base * 1_000_000 + i
            got = expr.evaluate({"x": value})
            if got != value:
                wrong.append((value, got))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert wrong == [], f"{len(wrong)} wrong results, e.g. {wrong[:3]}"


# ------------------------------------------------------------------ escape attempts


class TestTryingToBreakOut:
    """Escape attempts in the spirit of simpleeval's own test-suite: each is refused at compile time."""

    ATTEMPTS: ClassVar[list[str]] = [
        "__import__('os').system('echo pwned')",
        "__import__",
        "__builtins__",
        "().__class__.__bases__[0].__subclasses__()",
        "''.__class__.__mro__[1].__subclasses__()",
        "x.__class__",
        "x.__class__.__init__.__globals__",
        "min.__self__",
        "min.__globals__",
        "abs.__call__(x)",
        "getattr(x, '__class__')",
        "type(x)",
        "globals()",
        "locals()",
        "vars()",
        "dir()",
        "eval('1 + 1')",
        "exec('import os')",
        "compile('1', 'f', 'eval')",
        "open('/etc/passwd').read()",
        "breakpoint()",
        "help()",
        "'{0.__class__}'.format(x)",
        "'abc'.upper()",
        "(lambda: __import__('os'))()",
        "[c for c in ().__class__.__bases__]",
        "{k: v for k, v in [(1, 2)]}",
        "(i for i in [1])",
        "9 ** 9 ** 9",
        "x ** 9999999",
        "'a' * 999999999",
        "[1] * 999999999",
        "'%s' % x",
        "min(*[1] * 999999)",
        "max(x, key=lambda v: v)",
        "x if flag else __import__('os')",
        "cat in __builtins__",
        "x.real.imag",
        "(x).conjugate()",
        "flag.__bool__()",
        "[x][0]",
        "{'a': 1}['a']",
        "f'{x.__class__}'",
        "x := 1",
        "x; import os",
        "import os",
        "__import__('os').__dict__['system']('x')",
        "().__reduce_ex__(2)",
        "min.__module__",
        "__loader__",
        "__spec__",
        "__name__",
        "__debug__",
    ]

    @pytest.mark.parametrize("source", ATTEMPTS)
    def test_escape_attempt_is_refused(self, source: str) -> None:
        """The attempt raises ExpressionError (no other exception type, no evaluation)."""
        with pytest.raises(ExpressionError):
            compile_expression(source, SYMBOLS)

    def test_refused_call_has_no_side_effect(self, tmp_path: Path) -> None:
        """A refused attempt to write a file does not create it."""
        target = tmp_path / "pwned.txt"
        with pytest.raises(ExpressionError):
            compile_expression(f"open({str(target)!r}, 'w').write('x')", SYMBOLS)
        assert not target.exists()

    def test_deep_nesting_is_refused_not_crashing(self) -> None:
        """Deeply nested unary operators or parentheses end in ExpressionError or a value, never a crash."""
        with pytest.raises(ExpressionError):
            compile_expression("-" * 400 + "x", SYMBOLS)
        with pytest.raises(ExpressionError):
            compile_expression("(" * 240 + "x" + ")" * 240, SYMBOLS)

    def test_host_callables_are_not_reachable_by_name(self) -> None:
        """Whitelisted functions can only be called: referring to them as values is refused."""
        for name in ("min", "max", "abs"):
            with pytest.raises(ExpressionError):
                compile_expression(f"{name} == {name}", SYMBOLS)

    def test_runtime_never_raises_anything_but_expression_error(self) -> None:
        """For awkward inputs every compiled expression either returns or raises ExpressionError."""
        sources = ["x / y", "x // y", "x % y", "x * y * 1e30", "min(x, y) / y", "abs(x) / (y - y)"]
        values = [Decimal(0), Decimal("-0"), Decimal("1E+999999"), 0, 1]
        for source in sources:
            expr = compile_expression(source, SYMBOLS)
            for xv in values:
                for yv in values:
                    with contextlib.suppress(ExpressionError):
                        expr.evaluate({"x": xv, "y": yv})
