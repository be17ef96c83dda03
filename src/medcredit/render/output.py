"""Rendering results: JSON (versioned trace format) and readable text (中文 / English).

Rendering is where text is built: the engine's trace holds ids and indices,
and this module looks up each rule's article and quoted clause in the pack.
Output is deterministic: keys in a fixed order, decimals as exact strings.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from medcredit.engine.listing import consequence_dict, listing_dict
from medcredit.history.model import INSTITUTION_CATEGORIES, Record, SubjectCategory
from medcredit.io.limits import decimal_text
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.model import Citation
from medcredit.trace.result import TRACE_FORMAT, Result, Step

Lang = Literal["zh", "en"]

#: Why a record was not applicable, in both languages.
REASONS: dict[str, tuple[str, str]] = {
    "outside_cycle": ("不在评价周期内", "outside the evaluation cycle"),
    "kind_not_used": ("本政策包不使用此类记录", "a record kind this pack does not use"),
    "code_not_matched": (
        "违规代码不属于任何规则适用的范围",
        "its violation code is not one any rule uses",
    ),
    "clinic_not_counted": (
        "村卫生室记录不计入此项",
        "village-clinic records do not count for this fact",
    ),
    "no_legal_document": (
        "缺少具有法律效力的认定文书",
        "not based on a legally effective document",
    ),
    "objection_upheld": ("异议成立，信息不予使用", "an objection against it was upheld"),
    "objection_deleted": ("无法核实真实性，已删除", "deleted as unverifiable after an objection"),
    "subject_excluded": ("主体不参与本周期评价", "the subject is not evaluated this cycle"),
    "subject_not_evaluable": ("主体本周期无法评价", "the subject cannot be graded this cycle"),
    "subject_out_of_scope": (
        "主体不在本政策包适用范围内",
        "the subject is outside this pack's scope",
    ),
    "counted_under_parent": (
        "计入上级管理机构的评价",
        "counted under the managing parent institution",
    ),
}

STATUS: dict[str, tuple[str, str]] = {
    "graded": ("已评级", "graded"),
    "excluded": ("不参与信用评价", "not evaluated (excluded)"),
    "not_evaluable": ("无法评价", "cannot be graded"),
    "out_of_scope": ("不适用", "out of scope"),
    "rolled_up": ("不单独评价", "not graded alone"),
}

RESULT_REASONS: dict[str, tuple[str, str]] = {
    "excluded": ("符合不参与评价的情形", "an exclusion applies"),
    "missing_score": ("缺少本年度考核分数", "no assessment score for the cycle"),
    "conflicting_scores": (
        "本年度有多个不同的考核分数",
        "conflicting assessment scores for the cycle",
    ),
    "score_outside_bands": ("分值不在任何等级区间内", "the score falls in no band"),
    "category_not_covered": ("本政策包不覆盖该类主体", "this pack does not cover the category"),
    "no_grading_path": ("该类主体没有评价路径", "no grading path for the category"),
    "rolled_up_into_parent": ("记录计入上级管理机构", "records count for the managing parent"),
}


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _cite(pack: CompiledPack, cite: Citation | None) -> dict[str, str] | None:
    if cite is None:
        return None
    return {"article": cite.article, "quote": cite.quote}


def _step_cite(pack: CompiledPack, step: Step) -> Citation | None:
    model = pack.model
    if step.kind == "rule":
        rule = pack.rules.get(step.ref)
        return rule.cite if rule else None
    if step.kind == "exclusion":
        for e in model.exclusions:
            if e.id == step.ref:
                return e.cite
    if step.kind in ("path", "missing"):
        for p in model.paths:
            if p.id == step.ref:
                return p.cite
        return None
    if step.kind == "band":
        bs = pack.bands.get(step.ref)
        return bs.cite if bs else None
    if step.kind == "measure":
        for m in model.measures:
            if m.id == step.ref:
                return m.cite
    if step.kind == "roll_up":
        ru = pack.roll_up.get(step.ref)
        return ru.cite if ru is not None else None
    if step.kind == "validity":
        return model.validity.cite
    if step.kind == "class":
        for p in model.paths:
            for c in p.classes:
                if c.grade == step.ref:
                    return c.cite
    if step.kind == "list":
        for lst in model.lists:
            if lst.id == step.ref:
                return lst.cite
    if step.kind == "consequence":
        for lc in model.linked_consequences:
            if lc.id == step.ref:
                return lc.cite
    return None


def _record_dict(record: Record) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude_none=True)


def result_to_dict(result: Result, pack: CompiledPack, *, trace: bool = True) -> dict[str, Any]:
    """The JSON form of a result (trace format ``medcredit.trace/1``); ``trace=False`` omits the trace."""
    measures_by_id = {m.id: m for m in pack.model.measures}
    out: dict[str, Any] = {
        "format": TRACE_FORMAT,
        "pack": {
            "id": pack.id,
            "document": pack.document.number,
            "hash": result.pack_hash,
        },
        "subject": {
            "id": result.subject_id,
            "name": result.subject_name,
            "category": result.category,
        },
        "cycle": result.cycle,
        "applies_in": result.applies_in,
        "status": result.status,
        "grade": result.grade,
        "score": _dec(result.score),
        "path": result.path,
        "reason": result.reason,
        "exclusions": [
            {"id": e.id, "reason": e.reason.zh, **(_cite(pack, e.cite) or {})}
            for e in pack.model.exclusions
            if e.id in result.exclusions
        ],
        "measures": [
            {
                "id": mid,
                "kind": measures_by_id[mid].kind,
                "mandatory": measures_by_id[mid].mandatory,
                "params": _params(measures_by_id[mid].params),
                "effect": measures_by_id[mid].effect.zh,
                **(_cite(pack, measures_by_id[mid].cite) or {}),
            }
            for mid in result.measures
        ],
        "listings": [
            {**listing_dict(x), **(_cite(pack, next(s.cite for s in pack.model.lists if s.id == x.list_id)) or {})}
            for x in result.listings
        ],
        "consequences": [consequence_dict(c) for c in result.consequences],
        "warnings": [{"code": w.code, "message": w.message} for w in result.warnings],
        "validity_overridden": result.validity_overridden,
        "disclosure": _disclosure(pack, result.category),
    }
    if trace and (result.steps or result.record_uses):
        out["trace"] = {
            "steps": [_step_dict(pack, s) for s in result.steps],
            "records": _records_list(result),
        }
        out["interpretations"] = _interpretations(pack, result)
    return out


_CHANNELS_ZH = {"public": "公开", "query": "查询", "government_sharing": "政务共享"}


def _disclosure(pack: CompiledPack, category: str) -> list[dict[str, Any]]:
    """How this subject's information may be disclosed under the pack (e.g. 睢县 四（二）2)."""
    kind = "institution" if SubjectCategory(category) in INSTITUTION_CATEGORIES else "individual"
    return [
        {"channels": list(d.channels), "lists": list(d.lists), "article": d.cite.article}
        for d in pack.model.disclosure
        if kind in d.subject_types
    ]


def _records_list(result: Result) -> list[dict[str, Any]]:
    return [
        {
            "index": use.index,
            "origin": result.records[use.index].origin,
            "record": _record_dict(result.records[use.index].record),
            "used_by": list(use.used_by),
            "not_applicable": use.reason,
            "flags": list(use.flags),
        }
        for use in result.record_uses
    ]


def _interpretations(pack: CompiledPack, result: Result) -> list[dict[str, str]]:
    refs = {s.ref for s in result.steps}
    return [
        {"id": i.id, "clause": i.clause, "decision": i.decision} for i in pack.interpretations if refs & set(i.rules)
    ]


def _params(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, Decimal):
            out[key] = decimal_text(value)
        elif hasattr(value, "model_dump"):
            out[key] = {
                k: (decimal_text(v) if isinstance(v, Decimal) else v)
                for k, v in value.model_dump(exclude_none=True).items()
            }
        else:
            out[key] = value
    return out


def _step_dict(pack: CompiledPack, step: Step) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": step.kind, "ref": step.ref}
    cite = _cite(pack, _step_cite(pack, step))
    if cite:
        d.update(cite)
    if step.records:
        d["records"] = list(step.records)
    if step.points is not None:
        d["points"] = _dec(step.points)
    if step.running is not None:
        d["running_score"] = _dec(step.running)
    if step.value is not None:
        d["value"] = step.value
    if step.matched is not None:
        d["matched"] = step.matched
    return d


_MEMO_LIMIT = 65_536


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _step_json(pack: CompiledPack, step: Step) -> str:
    """A step's JSON text, memoised per pack: steps repeat across subjects (same rule, same points)."""
    memo = pack.render_memo
    # Decimal('0') == Decimal('0.00') and they hash alike, yet they print differently:
    # the key carries the printed form of every number so equal-valued steps never share text.
    key = (step, None if step.points is None else str(step.points), None if step.running is None else str(step.running))
    text = memo.get(key)
    if text is None:
        text = _dumps(_step_dict(pack, step))
        if len(memo) >= _MEMO_LIMIT:
            del memo[next(iter(memo))]
        memo[key] = text
    return text


def to_json(result: Result, pack: CompiledPack, *, indent: int | None = None) -> str:
    """Deterministic JSON text of a result: exactly ``json.dumps(result_to_dict(...))``.

    The compact form (the JSONL stream) is assembled from memoised step texts, because the
    clause quotes make steps the bulk of the output and they repeat from subject to subject.
    """
    if indent is not None:
        return json.dumps(result_to_dict(result, pack), ensure_ascii=False, indent=indent, separators=(",", ": "))
    if not (result.steps or result.record_uses):
        return _dumps(result_to_dict(result, pack))
    head = _dumps(result_to_dict(result, pack, trace=False))
    steps = ",".join(_step_json(pack, s) for s in result.steps)
    key = ("interpretations", frozenset(s.ref for s in result.steps))
    interpretations = pack.render_memo.get(key)
    if interpretations is None:
        interpretations = pack.render_memo[key] = _dumps(_interpretations(pack, result))
    return (
        f'{head[:-1]},"trace":{{"steps":[{steps}],"records":{_dumps(_records_list(result))}}},'
        f'"interpretations":{interpretations}}}'
    )


def _label(pack: CompiledPack, grade: str | None, lang: Lang) -> str:
    if grade is None:
        return "—"
    for g in pack.model.grades:
        if g.id == grade:
            return g.label.zh if lang == "zh" or not g.label.en else g.label.en
    return grade


def render_text(result: Result, pack: CompiledPack, lang: Lang = "zh") -> str:
    """A readable explanation of a result; every step names its article."""
    zh = lang == "zh"
    lines: list[str] = []
    status = STATUS[result.status][0 if zh else 1]
    name = f" {result.subject_name}" if result.subject_name else ""
    if zh:
        lines.append(f"信用主体 {result.subject_id}{name}（{result.category}）")
        lines.append(
            f"政策包 {pack.id}（{pack.document.number}），评价周期 {result.cycle} 年，结果用于 {result.applies_in} 年"
        )
        lines.append(
            f"结论：{status}"
            + (f"，{_label(pack, result.grade, lang)}" if result.grade else "")
            + (f"，评价分值 {_dec(result.score)}" if result.score is not None else "")
        )
    else:
        lines.append(f"Subject {result.subject_id}{name} ({result.category})")
        lines.append(
            f"Pack {pack.id} ({pack.document.number}), cycle {result.cycle}, result applies in {result.applies_in}"
        )
        lines.append(
            f"Outcome: {status}"
            + (f", {_label(pack, result.grade, lang)}" if result.grade else "")
            + (f", score {_dec(result.score)}" if result.score is not None else "")
        )
    if result.reason and result.reason in RESULT_REASONS:
        lines.append(("原因：" if zh else "Reason: ") + RESULT_REASONS[result.reason][0 if zh else 1])
    for x in result.listings:
        label = next((s.label for s in pack.model.lists if s.id == x.list_id), None)
        name = (label.zh if zh or not label.en else label.en) if label else x.list_id
        until = f"，至 {x.until}" if zh and x.until else (f", until {x.until}" if x.until else "")
        state = ("（在列）" if x.active else "（已结束）") if zh else (" (active)" if x.active else " (ended)")
        lines.append(("名单：" if zh else "List: ") + f"{name} {x.since}{until}{state}")
    for c in result.consequences:
        lines.append(
            (f"关联人员 {c.person_id}（{c.role}）：{c.kind}，{c.start} 至 {c.end}（因 {c.institution_id}）")
            if zh
            else f"Linked person {c.person_id} ({c.role}): {c.kind} from {c.start} to {c.end} (via {c.institution_id})"
        )
    for w in result.warnings:
        lines.append(("警告：" if zh else "Warning: ") + (w.message_zh if zh else w.message))
    for d in _disclosure(pack, result.category):
        if zh:
            lines.append(f"信息披露：{'、'.join(_CHANNELS_ZH[c] for c in d['channels'])}【{d['article']}】")
        else:
            lines.append(f"Disclosure: {', '.join(d['channels'])} [{d['article']}]")
    lines.append("")
    lines.append("评价过程：" if zh else "Steps:")
    for n, step in enumerate(result.steps, start=1):
        lines.append(f"  {n}. " + _step_text(pack, result, step, lang))
        cite = _step_cite(pack, step)
        if cite is not None and _decisive(step):
            # the clause itself, so a reader can check the step against the law without the pack
            lines.append(f"       “{cite.quote}”")
    if result.record_uses:
        lines.append("")
        lines.append("输入记录：" if zh else "Input records:")
        for use in result.record_uses:
            item = result.records[use.index]
            rec = item.record
            desc = f"#{use.index} {item.origin} {rec.kind} {rec.date}"
            if rec.amount is not None:
                desc += f" {_dec(rec.amount)}{'元' if zh else ' yuan'}"
            if rec.code:
                desc += f" [{rec.code}]"
            if use.used_by:
                desc += (" → 用于 " if zh else " → used by ") + ", ".join(use.used_by)
            else:
                desc += (" → 不适用：" if zh else " → not applicable: ") + _reason_text(use.reason, lang)
            if "objection_pending" in use.flags:
                desc += "（异议处理中，已作异议标注）" if zh else " (objection pending: marked)"
            lines.append("  " + desc)
    interps = [i for i in pack.interpretations if {s.ref for s in result.steps} & set(i.rules)]
    if interps:
        lines.append("")
        lines.append("适用的解释：" if zh else "Interpretations applied:")
        for i in interps:
            lines.append(f"  [{i.id}] {i.clause}：{i.decision}")
    return "\n".join(lines) + "\n"


def _decisive(step: Step) -> bool:
    """Steps that changed or fixed the outcome (their clause is quoted in the text)."""
    if step.kind == "rule":
        return bool(step.points)
    if step.kind in ("exclusion", "class"):
        return bool(step.matched)
    return step.kind in ("band", "measure", "path", "list", "consequence", "missing", "roll_up", "validity")


def _reason_text(reason: str | None, lang: Lang) -> str:
    if reason is None:
        return ""
    key, _, detail = reason.partition(":")
    if key == "not_used_by_path":
        return f"评价路径 {detail} 不使用此记录" if lang == "zh" else f"grading path {detail} does not use it"
    pair = REASONS.get(key)
    return (pair[0] if lang == "zh" else pair[1]) if pair else reason


def _step_text(pack: CompiledPack, result: Result, step: Step, lang: Lang) -> str:
    zh = lang == "zh"
    cite = _step_cite(pack, step)
    where = f"【{cite.article}】" if cite else ""
    recs = (
        f" 记录 {list(step.records)}"
        if zh and step.records
        else (f" records {list(step.records)}" if step.records else "")
    )
    if step.kind == "exclusion":
        verdict = (
            ("适用，不参与评价" if step.matched else "不适用")
            if zh
            else ("applies: not evaluated" if step.matched else "does not apply")
        )
        return (
            f"{where}排除情形 {step.ref}（{step.value}）：{verdict}{recs}"
            if zh
            else f"{where} exclusion {step.ref} ({step.value}): {verdict}{recs}"
        )
    if step.kind == "path" and step.running is None:  # a classification path: it yields a grade, no score
        label = _label(pack, step.value, lang)
        return f"{where}评价路径 {step.ref}：{label}{recs}" if zh else f"{where} grading path {step.ref}: {label}{recs}"
    if step.kind == "path":
        return (
            f"{where}评价路径 {step.ref}，起始分值 {_dec(step.running)}{recs}"
            if zh
            else f"{where} grading path {step.ref}, starting score {_dec(step.running)}{recs}"
        )
    if step.kind == "rule":
        return (
            f"{where}{step.ref}：输入 {step.value}，{_dec(step.points)} 分，累计 {_dec(step.running)}{recs}"
            if zh
            else f"{where} {step.ref}: input {step.value}, {_dec(step.points)} points, "
            f"running {_dec(step.running)}{recs}"
        )
    if step.kind == "band":
        return (
            f"{where}分值 {_dec(step.running)} → {_label(pack, step.value, lang)}"
            if zh
            else f"{where} score {_dec(step.running)} → {_label(pack, step.value, lang)}"
        )
    if step.kind == "measure":
        m = next(x for x in pack.model.measures if x.id == step.ref)
        optional = "" if m.mandatory else ("（可以采取）" if zh else " (may be applied)")
        text = m.effect.zh if zh or not m.effect.en else m.effect.en
        return f"{where}措施 {step.ref}：{text}{optional}" if zh else f"{where} measure {step.ref}: {text}{optional}"
    if step.kind == "missing":
        return (
            f"{where}评价路径 {step.ref} 缺少或有冲突的评分（{step.value}），无法评价{recs}"
            if zh
            else f"{where} grading path {step.ref}: missing or conflicting score ({step.value}), cannot grade{recs}"
        )
    if step.kind == "roll_up":
        return (
            f"{where}不单独评价，计入上级机构 {step.value}"
            if zh
            else f"{where} not graded alone; counts for parent {step.value}"
        )
    if step.kind == "validity":
        return (
            f"{where}评价周期 {step.value} 不在有效期内，已显式覆盖"
            if zh
            else f"{where} cycle {step.value} outside the pack's validity: explicitly overridden"
        )
    if step.kind == "class":
        verdict = ("符合" if step.matched else "不符合") if zh else ("matched" if step.matched else "not matched")
        label = _label(pack, step.ref, lang)
        detail = f"（{step.value}）" if zh and step.value else (f" ({step.value})" if step.value else "")
        return (
            f"{where}{label}标准：{verdict}{detail}{recs}" if zh else f"{where} class {label}: {verdict}{detail}{recs}"
        )
    if step.kind == "list":
        state = (
            ("在列" if step.matched else "已移出或期满") if zh else ("listed" if step.matched else "no longer listed")
        )
        return (
            f"{where}名单 {step.ref}：自 {step.value} 起，{state}{recs}"
            if zh
            else f"{where} list {step.ref}: since {step.value}, {state}{recs}"
        )
    if step.kind == "consequence":
        return (
            f"{where}关联人员后果 {step.ref}：{step.value}"
            if zh
            else f"{where} consequence for a linked person {step.ref}: {step.value}"
        )
    if step.kind == "scope":
        pair = RESULT_REASONS.get(step.ref)
        return pair[0 if zh else 1] if pair else step.ref
    return f"{step.kind} {step.ref}"
