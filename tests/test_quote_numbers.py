"""Reading the numbers a clause states (the quote–parameter check's reader), from the packs' own clauses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medcredit.checks.quote_numbers import chinese_number, quoted_numbers


@pytest.mark.parametrize(
    ("text", "value"),
    [("5", 5), ("五", 5), ("十", 10), ("十五", 15), ("二十", 20), ("两", 2), ("一百零五", 105), ("1.5", "1.5")],
)
def test_chinese_and_arabic_numerals(text: str, value: object) -> None:
    assert chinese_number(text) == Decimal(str(value))


def test_wushan_annex_amounts_and_points() -> None:
    """附件 一（一）: 不足1万元的，扣2分；1万元以上，不足5万元的，扣5分；… 10万元以上，扣20分。"""
    found = quoted_numbers(
        "累计总金额不足1万元的，扣2分；总金额1万元以上，不足5万元的，扣5分；总金额10万元以上，扣20分。"
    )
    assert set(found["points"]) == {Decimal(2), Decimal(5), Decimal(20)}
    assert set(found["yuan"]) == {Decimal(10000), Decimal(50000), Decimal(100000)}


def test_periods_not_dates() -> None:
    """辽宁 第三十四条 '三年内不得申请信用修复' is a period; '2023年1月1日' is a date, not 2023 years."""
    found = quoted_numbers("本办法自2023年1月1日起施行。重新计算，三年内不得申请信用修复。")
    assert found == {"years": {Decimal(3): "三年"}}


def test_ranges_and_repeated_measure_words() -> None:
    """巫山 '3—6个月', '1~5个百分点'; 辽宁 '五个个工作日' (the document's own typo) still reads as 5 working days."""
    assert set(quoted_numbers("暂停医保网络结算3—6个月")["months"]) == {Decimal(3), Decimal(6)}
    assert set(quoted_numbers("可上调1~5个百分点")["percentage_points"]) == {Decimal(1), Decimal(5)}
    assert set(quoted_numbers("自收到核查通知之日起五个个工作日内回复")["working_days"]) == {Decimal(5)}
    assert set(quoted_numbers("抽查比例一般不低于 20%")["percent"]) == {Decimal(20)}
