"""Public queries: "is this pack in force on date D" and "is this person barred on date D" (facade and CLI)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import medcredit
from medcredit.cli.main import main

# 牟医保〔2020〕46号 三（二）6: "其法定代表人或者主要负责人5年内禁止从事定点医药机构管理活动"
REPRESENTATIVE = "410122198001010013"
PHARMACY = {
    "id": "91410122MA3X000017",
    "category": "retail_pharmacy",
    "linked_persons": [{"role": "legal_representative", "id": REPRESENTATIVE}],
    "records": [{"kind": "violation", "date": "2023-03-15", "code": "inst_overcharging", "serious_impact": True}],
}
PERSON = {"id": REPRESENTATIVE, "category": "legal_representative", "linked_institutions": [PHARMACY]}


@pytest.mark.parametrize(
    ("pack_id", "day", "expected"),
    [
        # 辽医保规〔2023〕3号 第三十九条 "本办法自 2023 年 4 月 1 日起施行，有效期 2 年。"
        ("liaoning", dt.date(2023, 3, 31), False),
        ("liaoning", dt.date(2023, 4, 1), True),
        ("liaoning", dt.date(2025, 3, 31), True),
        ("liaoning", dt.date(2025, 4, 1), False),
        # 睢医保营商〔2022〕5号 六（四） "未出台新办法之前,此办法一直有效。"
        ("suixian", dt.date(2030, 1, 1), True),
    ],
)
def test_in_force(pack_id: str, day: dt.date, expected: bool) -> None:
    """The document's validity window, effective day and expiry day included."""
    assert medcredit.in_force(medcredit.load_pack(pack_id), day) is expected


def test_ban_on_legal_representative_runs_five_years() -> None:
    """三（二）6: a 2023-03-15 serious finding bars the legal representative to 2028-03-15 inclusive."""
    pack = medcredit.load_pack("zhongmou")
    person = medcredit.Subject.model_validate(PERSON)
    last_day = medcredit.person_sanctions(pack, person, dt.date(2028, 3, 15))
    assert last_day.barred()
    (ban,) = last_day.running
    assert (ban.kind, ban.institution_id, ban.start, ban.end) == (
        "management_ban",
        PHARMACY["id"],
        dt.date(2023, 3, 15),
        dt.date(2028, 3, 15),
    )
    assert not medcredit.person_sanctions(pack, person, dt.date(2028, 3, 16)).barred()
    # before the finding there is nothing to run
    assert not medcredit.person_sanctions(pack, person, dt.date(2023, 3, 14)).barred()


def test_sanctions_are_asked_of_a_person() -> None:
    pack = medcredit.load_pack("zhongmou")
    with pytest.raises(medcredit.MedcreditError):
        medcredit.person_sanctions(pack, medcredit.Subject.model_validate(PHARMACY), dt.date(2024, 1, 1))


def test_cli_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    """``medcredit in-force`` exits 0 when in force, 1 when not, and says the window."""
    assert main(["in-force", "--pack", "liaoning", "--format", "json", "2025-04-01"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body == {
        "pack": "liaoning",
        "document": "辽医保规〔2023〕3号",
        "date": "2025-04-01",
        "in_force": False,
        "effective": "2023-04-01",
        "expires": "2025-03-31",
    }
    assert main(["in-force", "--pack", "liaoning", "--lang", "en", "2024-06-01"]) == 0
    assert "in force (2023-04-01 to 2025-03-31)" in capsys.readouterr().out


def test_cli_sanctions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``medcredit sanctions`` answers the ban question from the person's history."""
    path = tmp_path / "person.json"
    path.write_text(json.dumps(PERSON, ensure_ascii=False), encoding="utf-8")
    assert main(["sanctions", "--pack", "zhongmou", "--on", "2027-01-01", "--format", "json", str(path)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [(c["kind"], c["person"], c["end"]) for c in body["running"]] == [
        ("management_ban", REPRESENTATIVE, "2028-03-15")
    ]
    assert main(["sanctions", "--pack", "zhongmou", "--on", "2028-03-16", str(path)]) == 0
    assert "无正在执行的关联后果" in capsys.readouterr().out
