"""Mutations of packs and histories for fuzzing: YAML-level and JSON-level edits, text and byte damage.

Each mutation is a pure function of (input, random generator), so a run is
repeated exactly from its seed, and hypothesis can drive the same functions
through :class:`random.Random` instances it controls.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACK_NAMES = ("wushan", "suixian", "zhongmou", "liaoning")
PACK_TEXTS: dict[str, str] = {
    name: (ROOT / "src" / "medcredit" / "packs" / f"{name}.yaml").read_text(encoding="utf-8") for name in PACK_NAMES
}
#: The capability fixtures add the pack-format constructs of dynamic and multi-year rules (windows,
#: tables, overrides, score arithmetic, thresholds, prior names, repair effects) to what is mutated.
CAPABILITIES = ROOT / "tests" / "fixtures" / "capabilities"
PACK_TEXTS.update(
    {
        f"capability:{path.stem}": path.read_text(encoding="utf-8")
        for path in sorted(CAPABILITIES.glob("*.yaml"))
        if not path.name.endswith(".cases.yaml")
    }
)
HISTORY_LINES: tuple[str, ...] = (
    *tuple(
        line for line in (ROOT / "examples" / "wushan-subjects.jsonl").read_text(encoding="utf-8").splitlines() if line
    ),
    '{"id": "500237196304040036", "category": "physician", "designated": "2020-01-01", "prior_results": '
    '[{"cycle": 2022, "grade": "D"}, {"as_of": "2021-12-31", "status": "excluded"}], "records": [{"kind": '
    '"violation", "date": "2023-03-01", "code": "inst_excessive_services", "severity": "一般", "points": "4.5", '
    '"publicity_end": "2023-12-31", "institution": "92500237MA00000016", "id": "r1"}, {"kind": "repair_granted", '
    '"date": "2023-06-01", "ref": "r1"}, {"kind": "honour", "date": "2023-02-01", "level": "national"}]}',
    '{"id": "92500237MA00000016", "category": "retail_pharmacy", "linked_persons": [{"role": '
    '"directly_responsible", "id": "500237196304040036", "records": [{"kind": "violation", "date": "2023-05-01", '
    '"code": "inst_excessive_services", "points": 12}]}], "records": [{"kind": "administrative_penalty", "date": '
    '"2023-04-01", "code": "inst_excessive_services", "severity": "serious", "publicity_start": "2023-04-10"}]}',
)

#: Values that break types, sizes and encodings when put where any scalar was.
HOSTILE_SCALARS: tuple[str, ...] = (
    "[]",
    "{}",
    "null",
    "~",
    "true",
    "-1",
    "0",
    "1e999999999",
    "1.0e+999999999",
    "-1e-999999999",
    "9" * 400,
    "0x" + "f" * 300,
    ".nan",
    "-.inf",
    "'x'",
    '"\\ud800"',
    '"\\U0001D41C"',
    "'ｃｙｃｌｅ'",
    "2023-02-30",
    "99999-01-01",
    "!!python/object/apply:os.system ['id']",
    "!!binary aGVsbG8=",
    "*undefined_alias",
    "&anchor x",
    "'" + "x" * 70_000 + "'",
    "[" * 80 + "]" * 80,
    "{a: " * 70 + "1" + "}" * 70,
    "'[60, 1e400000000)'",
    "'(0\ud800, 10000)'",
    "'(-inf, +inf]'",
    "'cycle in [not False]'",
    "'cycle in [2023] == 2023'",
    "'1/0 > 1'",
    "'().__class__.__bases__[0]'",
    "|\n  multi\n  line",
)

HOSTILE_CHARS: tuple[str, ...] = (
    "\ud800",
    "\udfff",
    "\x00",
    "\x1b",
    "\ufeff",
    "\u202e",
    "\u00a0",
    "\u200b",
    "ｃ",
    "𝐜",
    "\t",
    "\r",
    "\x85",
    "\u2028",
    "#",
    ":",
    "- ",
    "&a ",
    "*a ",
    "!!str ",
    "'",
    '"',
    "{",
    "[",
    "\\",
    "%YAML 1.1\n",
    "---\n",
)

_KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][\w-]*):(.*)$")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str:
    """Repeating a line duplicates its key (or adds a list item) at the same place."""
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def change_value(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
    if not candidates:
        return text
    i = rng.choice(candidates)
    match = _KEY_LINE.match(lines[i])
    assert match is not None
    lines[i] = f"{match.group(1)}{match.group(2)}: {rng.choice(HOSTILE_SCALARS)}"
    return "\n".join(lines)


def rename_key(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
    if not candidates:
        return text
    i = rng.choice(candidates)
    match = _KEY_LINE.match(lines[i])
    assert match is not None
    key = match.group(2)
    new = rng.choice([key[:-1], key + "s", key.upper(), "<<", "__class__", key + "\ud800", ""])
    lines[i] = f"{match.group(1)}{new}:{match.group(3)}"
    return "\n".join(lines)


def insert_char(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(HOSTILE_CHARS) + text[at:]


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def flip_byte(text: str, rng: random.Random) -> str:
    """Damage one byte of the UTF-8 encoding; undecodable bytes become lone surrogates (surrogateescape)."""
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    if not data:
        return text
    at = rng.randrange(len(data))
    data[at] ^= 1 << rng.randrange(8)
    return data.decode("utf-8", "surrogateescape")


def alias_bomb(text: str, rng: random.Random) -> str:
    width, depth = rng.randint(2, 12), rng.randint(2, 9)
    bomb = [f"bomb0: &b0 [{', '.join(['lol'] * width)}]"]
    bomb += [f"bomb{d}: &b{d} [{', '.join([f'*b{d - 1}'] * width)}]" for d in range(1, depth)]
    return "\n".join(bomb) + "\n" + text


def deep_nesting(text: str, rng: random.Random) -> str:
    depth = rng.choice([30, 63, 65, 100, 1000, 20_000])
    lines = _lines(text)
    candidates = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)] or [0]
    i = rng.choice(candidates)
    match = _KEY_LINE.match(lines[i])
    prefix = f"{match.group(1)}{match.group(2)}: " if match else ""
    opener, closer = rng.choice([("[", "]"), ("{a: ", "}")])
    lines[i] = prefix + opener * depth + "1" + closer * depth
    return "\n".join(lines)


def huge_number(text: str, rng: random.Random) -> str:
    numbers = list(re.finditer(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", text))
    if not numbers:
        return text
    match = rng.choice(numbers)
    big = rng.choice(["1e400000000", "1.0e+999999999", "9" * rng.choice([33, 400, 5000]), "1e-999999", "1E33"])
    return text[: match.start()] + big + text[match.end() :]


def blow_up(text: str, rng: random.Random) -> str:
    """Repeat a random slice many times (size limits, node limits)."""
    start = rng.randrange(len(text) + 1)
    piece = text[start : start + rng.randint(1, 200)] or "x"
    return text + piece * rng.choice([10, 1000, 20_000])


PACK_MUTATIONS: tuple[Callable[[str, random.Random], str], ...] = (
    delete_line,
    duplicate_line,
    change_value,
    change_value,
    rename_key,
    insert_char,
    truncate,
    flip_byte,
    alias_bomb,
    deep_nesting,
    huge_number,
    blow_up,
)


def mutate_pack(rng: random.Random) -> str:
    text = PACK_TEXTS[rng.choice(sorted(PACK_TEXTS))]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        text = rng.choice(PACK_MUTATIONS)(text, rng)
    return text


# --------------------------------------------------------------------- histories

HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**70,
    10**40,
    1.5,
    "",
    "\ud800",
    "x" * 100_000,
    "ｉｎｓｐｅｃｔｉｏｎ",
    "2023-02-30",
    "99999-12-31",
    "0000-01-01",
    "2023-13-01",
    "1e999999999",
    "-0.001",
    "NaN",
    [],
    {},
    [[[[[]]]]],
    {"kind": "inspection"},
)

RAW_NUMBERS: tuple[str, ...] = ("1e999999999", "1E-999999999", "9" * 5000, "-0", "1.5e308", "0." + "0" * 50 + "1")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_leaves(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_leaves(item, (*path, i)))
    return out


def _set(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    return root


def _hostile(rng: random.Random) -> Any:
    """A fresh copy of a hostile value (the shared constants must never be mutated)."""
    return copy.deepcopy(rng.choice(HOSTILE_VALUES))


def mutate_subject(data: Any, rng: random.Random) -> Any:
    leaves = _leaves(data)
    path = rng.choice(leaves)
    op = rng.randrange(4)
    if op == 0:
        return _set(data, path, _hostile(rng))
    if op == 1 and path:
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
        return data
    if op == 2:
        target = data
        for part in path:
            target = target[part]
        if isinstance(target, dict):
            target[rng.choice(["extra", "kind", "amount", "date", "ｋｉｎｄ", "\ud800"])] = _hostile(rng)
        elif isinstance(target, list):
            target.append(_hostile(rng))
        return data
    return _set(data, path, _hostile(rng) if rng.random() < 0.5 else list(path))


def mutate_history_line(rng: random.Random) -> str:
    """One JSONL line (text; may hold lone surrogates standing for undecodable bytes)."""
    line = rng.choice(HISTORY_LINES)
    kind = rng.randrange(10)
    if kind < 5:
        data = json.loads(line)
        for _ in range(rng.choice([1, 1, 2, 3])):
            data = mutate_subject(data, rng)
        return json.dumps(data, ensure_ascii=rng.random() < 0.5)
    if kind == 5:
        numbers = list(re.finditer(r'"amount": "?[\d.]+"?', line))
        if numbers:
            match = rng.choice(numbers)
            return line[: match.start()] + f'"amount": {rng.choice(RAW_NUMBERS)}' + line[match.end() :]
        return line
    if kind == 6:
        return rng.choice([truncate, insert_char, flip_byte])(line, rng)
    if kind == 7:
        # another encoding: what a GBK export looks like when read as UTF-8
        return line.encode("gb18030").decode("utf-8", "surrogateescape")
    if kind == 8:
        return rng.choice(["", " ", "\f", "\ufeff" + line, "[" * 100_000, '{"id": ' * 5000, line * 3, "null"])
    return line[: len(line) // 2] + "\\ud800" + line[len(line) // 2 :]
