"""The public simpleeval bypass techniques, each refused when the pack loads, with a location.

The corpus gathers the known ways out of expression sandboxes built on
simpleeval or ``ast`` allowlists (attribute chains to dunders, frames of
generators, ``str.format`` field access, modules reachable through functions,
comprehensions and lambdas, resource exhaustion through powers and sequence
multiplication, deep nesting, lookalike identifiers).  A pack carrying any of
them must not load: the problem names the file, the line of the expression and
its field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcredit.pack.loader import validate_pack_text

MINIMAL = Path(__file__).parent / "fixtures" / "minimal_pack.yaml"

CORPUS: dict[str, str] = {
    # attribute chains to the object model
    "class-chain": "().__class__.__bases__[0].__subclasses__()",
    "class-of-str": "''.__class__.__mro__[1].__subclasses__()",
    "globals-of-function": "min.__globals__['__builtins__']",
    "self-of-builtin": "abs.__self__.__import__('os')",
    "code-object": "min.__code__.co_consts",
    "dict-of-class": "inspections.__class__.__dict__",
    "getattr-call": "getattr(inspections, '__class__')",
    "type-call": "type(inspections)",
    "vars-call": "vars()",
    "dunder-name": "__builtins__",
    "dunder-import": "__import__('os').system('id')",
    "eval-call": "eval('1')",
    "exec-call": "exec('x = 1')",
    "compile-call": "compile('1', 'x', 'eval')",
    "open-call": "open('/etc/passwd').read()",
    # frames of generators and coroutines
    "generator-frame": "(x for x in [1]).gi_frame.f_globals",
    "generator-code": "(x for x in [1]).gi_code",
    "frame-back": "(x for x in [1]).gi_frame.f_back.f_back",
    # str.format field access and formatting tricks
    "format-attribute": "'{0.__class__.__init__.__globals__}'.format(inspections)",
    "format-map": "'{a.__class__}'.format_map({'a': 1})",
    "percent-format": "'%s' % inspections",
    "f-string": "f'{inspections.__class__}'",
    "f-string-nested": "f'{f\"{inspections!r}\"}'",
    # modules reachable through functions
    "module-through-function": "min.__module__",
    "builtins-through-call": "max.__call__.__self__",
    "reduce-ex": "inspections.__reduce_ex__(2)",
    "subscript-builtins": "min.__globals__['os']",
    # comprehension and lambda tricks
    "list-comprehension": "[c for c in ().__class__.__base__.__subclasses__()]",
    "set-comprehension": "{x for x in [1]}",
    "dict-comprehension": "{x: x for x in [1]}",
    "lambda": "(lambda: 1)()",
    "lambda-default": "(lambda f=min: f)(1)",
    "walrus": "(y := 1) == 1",
    "starred-call": "max(*[1, 2]) > 0",
    "keyword-call": "max(1, key=abs) > 0",
    "subscript": "[1, 2][0] == 1",
    "slice": "'abc'[::-1] == 'cba'",
    "dict-literal": "{'a': 1} == {'a': 1}",
    "set-literal": "{1} == {1}",
    "tuple-as-value": "(1, 2) == (1, 2)",
    "await": "await inspections",
    "yield": "(yield)",
    # resource exhaustion
    "huge-power": "9 ** 9 ** 9 > 0",
    "power-function": "pow(9, 999999) > 0",
    "left-shift": "1 << 100000000 > 0",
    "string-multiplication": "'a' * 1000000000 == ''",
    "list-multiplication": "[1] * 1000000000 == []",
    "string-times-fact": "'a' * inspections == ''",
    "huge-literal": "inspections > 1e999999999",
    "long-integer-literal": "inspections > " + "9" * 60,
    "deep-nesting": "(" * 220 + "inspections" + ")" * 220 + " == 0",
    "deep-calls": "abs(" * 110 + "inspections" + ")" * 110 + " == 0",
    "deep-lists": "inspections in " + "[" * 150 + "0" + "]" * 150,
    "deep-not": "not " * 150 + "inspections == 0",
    "many-parts": " + ".join(["inspections"] * 150) + " == 0",
    "too-long": "inspections == 0 and " * 30 + "True",
    # deceptive text (lookalikes are normalised by Python's parser: refused on the raw text)
    "fullwidth-name": "ｉｎｓｐｅｃｔｉｏｎｓ == 0",
    "math-bold-name": "𝐢𝐧𝐬𝐩𝐞𝐜𝐭𝐢𝐨𝐧𝐬 == 0",
    "math-italic-dunder": "𝘪𝘯𝘴𝘱𝘦𝘤𝘵𝘪𝘰𝘯𝘴.__class__",
    "cyrillic-lookalike": "inspеctions == 0",  # Cyrillic е
    "fullwidth-operator": "inspections ＝＝ 0",
    "nbsp": "inspections\u00a0== 0",
    "zero-width-space": "inspections\u200b == 0",
    "comment": "inspections == 0 # and more",
    "newline": "inspections == 0\nor True",
    "backslash-continuation": "inspections == 0 \\\n or True",
    "inverted-in-list": "inspections in [not False]",
    "chained-in": "inspections in [0] == 0",
    "division-by-literal-zero": "inspections / 0 > 1",
    "modulo-by-literal-zero": "inspections % 0.0 > 1",
    "bytes-literal": "b'x' == b'x'",
    "none-literal": "inspections == None",
    "ellipsis": "... == ...",
    "bitwise-or": "(inspections | 1) == 1",
    "matmul": "(inspections @ inspections) == 1",
    "is-operator": "inspections is 0",
}


def _pack_with(when: str) -> str:
    text = MINIMAL.read_text(encoding="utf-8")
    return text.replace("when: inspections == 0", f"when: {json.dumps(when, ensure_ascii=False)}", 1)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_escape_attempt_is_refused_at_load_with_a_location(name: str) -> None:
    text = _pack_with(CORPUS[name])
    compiled, problems = validate_pack_text(text, "hostile.yaml")
    assert compiled is None, f"{name} loaded"
    when_line = next(i for i, t in enumerate(text.splitlines(), 1) if t.lstrip().startswith("when:"))
    located = [p for p in problems if p.file == "hostile.yaml" and p.line == when_line and p.column >= 1]
    assert located, [p.render() for p in problems]
    assert located[0].path[-1] == "when"


def test_the_bundled_hostile_fixture_is_refused_at_each_expression() -> None:
    """tests/fixtures/bad_packs/expression_hostile.yaml: every escaping exclusion is one located problem."""
    path = Path(__file__).parent / "fixtures" / "bad_packs" / "expression_hostile.yaml"
    text = path.read_text(encoding="utf-8")
    compiled, problems = validate_pack_text(text, str(path))
    assert compiled is None
    lines = text.splitlines()
    when_lines = [i + 1 for i, t in enumerate(lines) if t.lstrip().startswith("when:") and "escape" in lines[i - 1]]
    assert len(when_lines) == 3
    assert sorted(p.line for p in problems if p.code == "expression") == when_lines
