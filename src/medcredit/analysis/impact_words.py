"""The diff report's own words in English and Chinese, shared by the text and HTML renderers.

Outcome labels, element ids and file names stay as they are (they are identifiers);
the law's quotes are always Chinese.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "zh"]

WORDS: dict[str, dict[Lang, str]] = {
    "impact_of": {"en": "impact of", "zh": "政策包变更影响："},
    "title": {"en": "Impact", "zh": "政策包变更影响"},
    "cycle": {"en": "cycle", "zh": "评价周期"},
    "old_pack": {"en": "old pack", "zh": "原政策包"},
    "new_pack": {"en": "new pack", "zh": "新政策包"},
    "population": {"en": "population", "zh": "主体数据"},
    "subjects": {"en": "subjects", "zh": "主体数"},
    "evaluated": {"en": "evaluated", "zh": "已评价"},
    "rejected": {"en": "rejected", "zh": "被拒绝"},
    "failed": {"en": "failed", "zh": "评价失败"},
    "changed": {"en": "changed", "zh": "结果变化"},
    "improved": {"en": "improved", "zh": "变好"},
    "worsened": {"en": "worsened", "zh": "变差"},
    "other": {"en": "other", "zh": "其他"},
    "unchanged": {"en": "unchanged", "zh": "未变"},
    "validity_overridden": {"en": "validity overridden", "zh": "已越过适用期间"},
    "distribution": {"en": "Outcome distribution", "zh": "结果分布"},
    "matrix": {"en": "Transition matrix", "zh": "转移矩阵"},
    "matrix_note": {
        "en": "Rows: outcome under the old pack; columns: under the new pack.",
        "zh": "行：原政策包下的结果；列：新政策包下的结果。",
    },
    "drivers": {"en": "Drivers", "zh": "变化原因"},
    "drivers_note": {
        "en": "Pack elements whose effect differs for the subjects whose outcome changed.",
        "zh": "对结果发生变化的主体，效果不同的政策包元素，及其引用的条文原文。",
    },
    "clause": {"en": "clause (the law's words the element quotes)", "zh": "条文（元素引用的原文）"},
    "pack_changes": {"en": "Pack differences", "zh": "政策包差异"},
    "examples": {"en": "Examples", "zh": "示例主体"},
    "examples_note": {
        "en": "The first subjects of each transition, in input order.",
        "zh": "每种变化按输入顺序列出的前几个主体。",
    },
    "old": {"en": "old", "zh": "原"},
    "new": {"en": "new", "zh": "新"},
    # table headings and empty states of the HTML report
    "corner": {"en": "old ↓ / new →", "zh": "原 ↓ / 新 →"},
    "total": {"en": "total", "zh": "合计"},
    "outcome": {"en": "outcome", "zh": "结果"},
    "change": {"en": "change", "zh": "变化"},
    "kind": {"en": "kind", "zh": "类型"},
    "element": {"en": "element", "zh": "元素"},
    "detail": {"en": "detail", "zh": "说明"},
    "transitions": {"en": "transitions", "zh": "变化"},
    "section": {"en": "section", "zh": "部分"},
    "fields": {"en": "fields", "zh": "字段"},
    "transition": {"en": "transition", "zh": "变化"},
    "example_subject": {"en": "example subject", "zh": "示例主体"},
    "score_change": {"en": "score old → new", "zh": "分数 原 → 新"},
    "input": {"en": "input", "zh": "输入位置"},
    "no_change": {"en": "No subject changed outcome.", "zh": "没有主体的结果发生变化。"},
    "changed_by_failures": {
        "en": "Every subject that changed outcome failed under one of the packs (see the examples).",
        "zh": "结果发生变化的主体均在其中一个政策包下评价失败（见示例）。",
    },
    "packs_equal": {"en": "The two pack models are equal.", "zh": "两个政策包的模型相同。"},
    "no_transitions": {"en": "No transitions.", "zh": "没有变化。"},
    "chart_title": {"en": "Subjects per outcome: old pack and new pack", "zh": "各结果的主体数：原政策包与新政策包"},
    "article_link": {"en": "the article on the pack's page", "zh": "政策包页面上的该条原文"},
}


def word(key: str, lang: Lang) -> str:
    return WORDS[key][lang]
