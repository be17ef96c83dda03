"""The shared record and violation catalogue (DOMAIN §2), loaded once.

The catalogue is data (``data/catalogue.yaml``) so that it is documented in one
place; this module gives it types and answers look-ups: is a record kind
known, which violation codes belong to a group such as ``tiaoli_40``, which
codes are fraud.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from medcredit.io.yamlload import load_yaml


@dataclass(frozen=True, slots=True)
class RecordKind:
    id: str
    zh: str
    en: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ViolationCode:
    id: str
    article: str
    subject: str
    zh: str
    fraud: bool


@dataclass(frozen=True, slots=True)
class Catalogue:
    record_kinds: dict[str, RecordKind]
    violations: dict[str, ViolationCode]
    groups: dict[str, frozenset[str]]
    group_labels: dict[str, str]
    agreement_end_reasons: dict[str, tuple[str, str]]

    def expand_codes(self, refs: list[str] | tuple[str, ...]) -> frozenset[str]:
        """Codes named directly or as ``group:NAME``; unknown names raise KeyError."""
        out: set[str] = set()
        for ref in refs:
            if ref.startswith("group:"):
                out |= self.groups[ref.removeprefix("group:")]
            else:
                if ref not in self.violations:
                    raise KeyError(ref)
                out.add(ref)
        return frozenset(out)

    @property
    def fraud_codes(self) -> frozenset[str]:
        return frozenset(c for c, v in self.violations.items() if v.fraud)


def _build(data: dict[str, Any]) -> Catalogue:
    kinds = {
        k: RecordKind(id=k, zh=v["zh"], en=v["en"], fields=tuple(v.get("fields", ())))
        for k, v in data["record_kinds"].items()
    }
    violations = {
        k: ViolationCode(
            id=k,
            article=v["article"],
            subject=v["subject"],
            zh=v["zh"],
            fraud=bool(v.get("fraud", False)),
        )
        for k, v in data["violations"].items()
    }
    groups: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    for name, spec in data["groups"].items():
        prefix = spec["prefix_article"]
        groups[name] = frozenset(c for c, v in violations.items() if v.article.startswith(prefix))
        labels[name] = spec["zh"]
    reasons = {k: (v["zh"], v["en"]) for k, v in data["agreement_end_reasons"].items()}
    return Catalogue(
        record_kinds=kinds,
        violations=violations,
        groups=groups,
        group_labels=labels,
        agreement_end_reasons=reasons,
    )


@cache
def catalogue() -> Catalogue:
    """The bundled catalogue (parsed once per process)."""
    text = resources.files("medcredit").joinpath("data/catalogue.yaml").read_text("utf-8")
    located = load_yaml(text, "medcredit/data/catalogue.yaml")
    return _build(located.data)
