"""Deterministic generator of Wushan-like subject histories (JSONL, one subject per line).

    python bench/generate.py --subjects N --seed S --out FILE.jsonl

Same arguments → same bytes (``random.Random(seed)``, no clock, no hash-order
dependence).  The mix, for the 2023 cycle:

* categories: 95% outpatient_clinic / retail_pharmacy (the scorecard path),
  5% hospital_inpatient with an ``annual_assessment`` (year 2023, score 50–100
  with two decimals; 3% of hospitals have none and are not evaluable);
* every subject opened before 2023 and has ONE ``inspection`` dated in 2023,
  except a few % that exercise the exclusions: 1.5% opened mid-2023 (around
  the 1 July / 2 July six-month boundary), 3% with an ``agreement_end`` (mostly
  ``voluntary``, some other reasons, some dated in 2022 or 2024) and 1% not
  inspected in 2023 (no inspection, or one dated 2022);
* ≈60% of subjects are clean (no records beyond the inspection / assessment);
  the other ≈40% have 1–8 adverse records: fund_recovery / audit_cut (amounts
  log-uniform 100–300,000 yuan, two decimals, half written as JSON strings and
  half as JSON numbers), interview, agreement_suspension, late_refund and
  fraud (fraud_other / fraud_false_claims; 5% of fraud records carry the
  individual-fraud code ind_fraud, which the Wushan rule must NOT count), dated
  mostly in 2023 and some in 2022 / 2024 (outside the cycle).

Identifiers are valid 统一社会信用代码 (GB 32100 check character, and a valid
GB 11714 organisation-code check character in position 17), unique per index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medcredit.history.identifiers import USCC_ALPHABET, org_code_check_char, uscc_check_char

CYCLE = 2023
CLEAN_SHARE = 0.60
HOSPITAL_SHARE = 0.05
HOSPITAL_NO_ASSESSMENT = 0.03
OPENED_MID_CYCLE = 0.015
AGREEMENT_END = 0.03
NOT_INSPECTED = 0.01

_LOG_MIN, _LOG_MAX = math.log(100), math.log(300_000)
_EPOCH_OPEN = dt.date(2000, 1, 1).toordinal()
_CYCLE_START = dt.date(CYCLE, 1, 1).toordinal()
_PREV_START = dt.date(CYCLE - 1, 1, 1).toordinal()
_NEXT_START = dt.date(CYCLE + 1, 1, 1).toordinal()

_TOWNS = ("高唐", "龙门", "双龙", "官渡", "大昌", "福田", "庙宇", "骡坪", "巫峡", "龙溪")
_KIND_NAME = {
    "outpatient_clinic": "诊所",
    "retail_pharmacy": "大药房",
    "hospital_inpatient": "卫生院",
}
# (kind, cumulative weight) for adverse records
_ADVERSE = (
    ("fund_recovery", 0.25),
    ("audit_cut", 0.50),
    ("interview", 0.65),
    ("agreement_suspension", 0.73),
    ("late_refund", 0.87),
    ("fraud", 1.00),
)
_END_REASONS = ("voluntary",) * 6 + ("violation", "fraud", "renewal_not_met", "expired")
_RECOVERY_CODES = ("inst_overcharging", "inst_non_covered_billing", "inst_excessive_services")


def uscc(index: int, *, pharmacy: bool) -> str:
    """A valid USCC for Wushan (500237), unique per ``index`` (< 31**6)."""
    digits = []
    n = index
    for _ in range(6):
        n, r = divmod(n, 31)
        digits.append(USCC_ALPHABET[r])
    org_body = "MA" + "".join(reversed(digits))
    org = org_body + org_code_check_char(org_body)
    first17 = ("92" if pharmacy else "52") + "500237" + org
    return first17 + uscc_check_char(first17)


def _date(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _record_date(rng: random.Random) -> str:
    """Mostly in the cycle; 8% in the year before, 7% in the year after."""
    u = rng.random()
    if u < 0.85:
        return _date(_CYCLE_START + rng.randrange(365))
    if u < 0.93:
        return _date(_PREV_START + rng.randrange(365))
    return _date(_NEXT_START + rng.randrange(366))


def _amount(rng: random.Random) -> Any:
    """Log-uniform 100–300,000 yuan with two decimals; a JSON string or a JSON number."""
    fen = round(math.exp(rng.uniform(_LOG_MIN, _LOG_MAX)) * 100)
    if rng.random() < 0.5:
        return f"{fen // 100}.{fen % 100:02d}"
    # a float whose shortest repr is the exact two-decimal value (parsed as Decimal)
    return fen // 100 if fen % 100 == 0 else fen / 100


def _adverse(rng: random.Random) -> dict[str, Any]:
    u = rng.random()
    kind = next(k for k, w in _ADVERSE if u < w)
    rec: dict[str, Any] = {"kind": kind, "date": _record_date(rng)}
    if kind in ("fund_recovery", "audit_cut"):
        rec["amount"] = _amount(rng)
        if rng.random() < 0.5:
            rec["code"] = rng.choice(_RECOVERY_CODES)
    elif kind == "agreement_suspension":
        if rng.random() < 0.5:
            rec["months"] = rng.randint(1, 6)
    elif kind == "late_refund":
        if rng.random() < 0.3:
            rec["amount"] = _amount(rng)
    elif kind == "fraud":
        v = rng.random()
        rec["code"] = "ind_fraud" if v < 0.05 else "fraud_other" if v < 0.5 else "fraud_false_claims"
        if rng.random() < 0.5:
            rec["amount"] = _amount(rng)
    return rec


def subject(index: int, rng: random.Random) -> dict[str, Any]:
    """One subject's history (a JSON-ready mapping)."""
    u = rng.random()
    if u < HOSPITAL_SHARE:
        category = "hospital_inpatient"
    elif u < HOSPITAL_SHARE + (1 - HOSPITAL_SHARE) / 2:
        category = "outpatient_clinic"
    else:
        category = "retail_pharmacy"
    out: dict[str, Any] = {
        "id": uscc(index, pharmacy=category == "retail_pharmacy"),
        "name": f"巫山县{rng.choice(_TOWNS)}{_KIND_NAME[category]}{index}",
        "category": category,
    }
    if rng.random() < OPENED_MID_CYCLE:
        # around the six-month boundary: opened 2023-07-01 counts 6 months, 07-02 does not
        opened = dt.date(CYCLE, 7, 1).toordinal() + rng.randint(-45, 45)
    else:
        opened = _EPOCH_OPEN + rng.randrange(_CYCLE_START - _EPOCH_OPEN)
    out["opened"] = _date(opened)
    if rng.random() < AGREEMENT_END:
        v = rng.random()
        if v < 0.8:
            end = _CYCLE_START + rng.randrange(365)
        elif v < 0.9:
            end = _PREV_START + rng.randrange(365)
        else:
            end = _NEXT_START + rng.randrange(366)
        out["agreement_end"] = {"date": _date(max(end, opened)), "reason": rng.choice(_END_REASONS)}
    records: list[dict[str, Any]] = []
    if rng.random() < NOT_INSPECTED:
        if rng.random() < 0.5:
            records.append({"kind": "inspection", "date": _date(_PREV_START + rng.randrange(365))})
    else:
        rec = {"kind": "inspection", "date": _date(max(opened, _CYCLE_START + rng.randrange(365)))}
        if rng.random() < 0.5:
            rec["method"] = rng.choice(("on_site", "online"))
        records.append(rec)
    if category == "hospital_inpatient" and rng.random() >= HOSPITAL_NO_ASSESSMENT:
        score = rng.randint(5000, 10000)
        records.append(
            {
                "kind": "annual_assessment",
                "date": _date(_NEXT_START + rng.randrange(90)),
                "year": CYCLE,
                "score": f"{score // 100}.{score % 100:02d}",
            }
        )
    if rng.random() >= CLEAN_SHARE:
        records.extend(_adverse(rng) for _ in range(rng.randint(1, 8)))
    out["records"] = records
    return out


def generate(n: int, seed: int) -> Iterator[str]:
    """The ``n`` JSONL lines (without newline) for ``seed``."""
    rng = random.Random(seed)
    for i in range(n):
        yield json.dumps(subject(i + 1, rng), ensure_ascii=False)


def write(n: int, seed: int, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        chunk: list[str] = []
        for line in generate(n, seed):
            chunk.append(line)
            if len(chunk) >= 10_000:
                fh.write("\n".join(chunk) + "\n")
                chunk.clear()
        if chunk:
            fh.write("\n".join(chunk) + "\n")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subjects", type=int, required=True, help="number of subjects")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output JSONL file ('-' for stdout)")
    args = parser.parse_args(argv)
    if str(args.out) == "-":
        for line in generate(args.subjects, args.seed):
            sys.stdout.write(line + "\n")
    else:
        write(args.subjects, args.seed, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
