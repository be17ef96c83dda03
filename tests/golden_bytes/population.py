"""Deterministic mixed populations over the whole catalogue, for byte-for-byte regression.

``random.Random(seed)`` only: the same arguments give the same bytes on any
machine and any hypothesis version (unlike hypothesis examples, which are not
stable across releases).  Every record kind, violation code, subject category
and the subject-level structures (agreement end, linked persons, managed
clinics, objections, documents) occur, so a refactor that changes any rule's
outcome or any trace text changes the recorded digest.

    python tests/golden_bytes/population.py --subjects 10000 --seed 1 > pop.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

from medcredit.history.catalogue import catalogue
from medcredit.history.identifiers import uscc_check_char

INSTITUTIONS = ("hospital_inpatient", "outpatient_clinic", "retail_pharmacy", "other_institution")
PERSONS = ("physician", "nurse", "pharmacist", "insured_person", "legal_representative", "other_individual")
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"


def uscc(n: int) -> str:
    body = f"92500237MA{n:07d}"[:17]
    return body + uscc_check_char(body)


def resident_id(n: int) -> str:
    body = f"500237{1960 + n % 40:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, _RESIDENT_WEIGHTS, strict=True))
    return body + _RESIDENT_CHECK[total % 11]


def _date(rng: random.Random, lo: int = 2019, hi: int = 2025) -> str:
    start = dt.date(lo, 1, 1).toordinal()
    end = dt.date(hi, 12, 31).toordinal()
    return dt.date.fromordinal(rng.randint(start, end)).isoformat()


def _record(rng: random.Random, kind: str, n: int) -> dict[str, Any]:
    cat = catalogue()
    fields = cat.record_kinds[kind].fields
    codes = sorted(cat.violations)
    fraud_codes = [c for c in codes if cat.violations[c].fraud]
    plain_codes = [c for c in codes if not cat.violations[c].fraud]
    rec: dict[str, Any] = {"kind": kind, "date": _date(rng), "id": f"r{n}"}
    if kind == "fraud":
        rec["code"] = rng.choice(fraud_codes)
    elif "code" in fields and (kind == "violation" or rng.random() < 0.6):
        rec["code"] = rng.choice(plain_codes)
    if "amount" in fields and (kind in ("fund_recovery", "audit_cut") or rng.random() < 0.5):
        base = rng.choice((0, 1, 9999, 10000, 49999, 50000, 99999, 100000, 250000))
        rec["amount"] = f"{base + rng.randint(0, 99) / 100:.2f}"
    if kind == "agreement_termination":
        rec["reason"] = rng.choice(sorted(cat.agreement_end_reasons))
    if kind in ("annual_assessment", "risk_assessment"):
        rec["year"] = rng.choice((2022, 2023, 2024))
        rec["score"] = str(rng.choice((0, 59, 60, 64, 65, 89, 90, 100, 199, 200, 499, 500, 749, 750, 1000)))
    if kind in ("repair_granted", "repair_revoked"):
        rec["ref"] = f"r{rng.randint(max(0, n - 6), n)}"
    for flag in ("referred_to_judiciary", "serious_impact", "unrepairable", "fulfilled"):
        if flag in fields and rng.random() < 0.3:
            rec[flag] = rng.random() < 0.5
    if "months" in fields and rng.random() < 0.7:
        rec["months"] = rng.choice((1, 3, 6))
    if "term_months" in fields and rng.random() < 0.7:
        rec["term_months"] = rng.choice((6, 12, 36))
    if "publicity_start" in fields and rng.random() < 0.5:
        rec["publicity_start"] = rec["date"]
    if "method" in fields:
        rec["method"] = rng.choice(("on_site", "online", "special", "other"))
    if rng.random() < 0.15:
        rec["document"] = {"kind": "administrative_decision", "number": f"医保处〔{rec['date'][:4]}〕{n}号"}
    if rng.random() < 0.05:
        filed = dt.date.fromisoformat(rec["date"]) + dt.timedelta(days=rng.randint(1, 60))
        status = rng.choice(("pending", "upheld", "corrected", "rejected", "deleted_unverifiable"))
        objection: dict[str, Any] = {"filed": filed.isoformat(), "status": status}
        if status != "pending":
            objection["resolved"] = (filed + dt.timedelta(days=rng.randint(0, 20))).isoformat()
        rec["objection"] = objection
    return rec


def subject(rng: random.Random, i: int) -> dict[str, Any]:
    kinds = sorted(catalogue().record_kinds)
    institution = rng.random() < 0.75
    category = rng.choice(INSTITUTIONS if institution else PERSONS)
    data: dict[str, Any] = {
        "id": uscc(i) if institution else resident_id(i),
        "name": f"主体{i}",
        "category": category,
    }
    if rng.random() < 0.9:
        data["opened"] = _date(rng, 2010, 2024)
    inspected = rng.random() < 0.8
    records = [{"kind": "inspection", "date": _date(rng, 2022, 2024), "method": "on_site"}] if inspected else []
    if rng.random() < 0.45:
        records += [_record(rng, rng.choice(kinds), i * 10 + k) for k in range(rng.randint(1, 8))]
    data["records"] = records
    if institution and rng.random() < 0.05:
        opened = data.get("opened", "2010-01-01")
        end = max(opened, _date(rng, 2022, 2025))
        data["agreement_end"] = {"date": end, "reason": rng.choice(sorted(catalogue().agreement_end_reasons))}
    if institution and rng.random() < 0.2:
        data["linked_persons"] = [{"role": "legal_representative", "id": resident_id(i + 7), "name": "张某"}]
    if category == "hospital_inpatient" and rng.random() < 0.2:
        data["managed_clinics"] = [{"id": f"VC{i}", "records": [_record(rng, rng.choice(kinds), i * 10 + 9)]}]
    return data


def population(n: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        yield subject(rng, i)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for s in population(args.subjects, args.seed):
        sys.stdout.write(json.dumps(s, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
