"""Rendering results: JSON (versioned trace format) and readable text (中文 / English).

Rendering is where text is built: the engine's trace holds ids and indices,
and this module looks up each rule's article and quoted clause in the pack.
Output is deterministic: keys in a fixed order, decimals as exact strings.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from medcredit.diagnostics.errors import ArgumentError
from medcredit.diagnostics.escape import one_line
from medcredit.engine.listing import consequence_dict, listing_dict
from medcredit.history.model import INSTITUTION_CATEGORIES, Record, SubjectCategory
from medcredit.io.limits import decimal_text
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.model import Citation
from medcredit.trace.result import TRACE_FORMAT, Result, Sanction
from medcredit.trace.steps import (
    BandStep,
    ClassStep,
    ConflictStep,
    ConsequenceStep,
    ExclusionStep,
    ListStep,
    MeasureStep,
    MissingStep,
    OverrideStep,
    PathStep,
    RepairedStep,
    RollUpStep,
    RuleStep,
    ScopeStep,
    ScoreStep,
    Step,
    ThresholdStep,
    ValidityStep,
    WindowStep,
)

Lang = Literal["zh", "en"]

#: Why a record was not applicable, in both languages.
REASONS: dict[str, tuple[str, str]] = {
    "outside_cycle": ("不在评价周期内", "outside the evaluation cycle"),
    "outside_validity": (
        "日期不在文件有效期内，不依本政策包评价",
        "dated outside the document's validity: not judged by this pack",
    ),
    "kind_not_used": ("本政策包不使用此类记录", "a record kind this pack does not use"),
    "code_not_matched": (
        "违规代码不属于任何规则适用的范围",
        "its violation code is not one any rule uses",
    ),
    "field_not_matched": (
        "记录字段不符合规则的条件（where），或缺少该字段",
        "a field the rule's where: requires is missing or has another value",
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
        "由上级管理机构评价：记录写在上级机构历史的 managed_clinics 中时计入上级机构",
        "graded with the managing parent: its records count there when the parent's history lists them "
        "under managed_clinics",
    ),
    "no_severity": (
        "记录未写明严重程度（轻微、一般、严重），按严重程度计分的规则无法使用",
        "it states no severity, which the rule scores by",
    ),
    "no_level": ("荣誉未写明级别，按级别计分的规则无法使用", "it states no honour level, which the rule scores by"),
    "no_points": ("记录未写明分值", "it states no points"),
    "out_of_force": ("已不在有效期内", "no longer in force"),
    "repaired": ("已准予信用修复，不再计入", "a granted repair took it out"),
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
    "rolled_up_into_parent": (
        "由上级管理机构评价（记录须写在上级机构历史的 managed_clinics 中）",
        "graded with the managing parent (its records are given under the parent's managed_clinics)",
    ),
}


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _cite(pack: CompiledPack, cite: Citation | None) -> dict[str, str] | None:
    if cite is None:
        return None
    return {"article": cite.article, "quote": cite.quote}


def _record_dict(record: Record) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude_none=True)


# what json.dumps(ensure_ascii=False) escapes in a string; text without any is quoted as it is
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


def quote(text: str) -> str:
    """``text`` as a JSON string, exactly as ``json.dumps(text, ensure_ascii=False)``."""
    return _dumps(text) if _ESCAPED.search(text) else f'"{text}"'


def record_json(record: Record) -> bytes:
    """A record as :func:`_record_dict` dumped compactly, by pydantic's own serializer, in UTF-8.

    The two agree byte for byte on the history corpora and on generated text (tests); anything the
    serializer refuses takes the reference route.
    """
    try:
        return record.__pydantic_serializer__.to_json(record, exclude_none=True)
    except (ValueError, TypeError, UnicodeError):
        return _dumps(_record_dict(record)).encode("utf-8", "surrogatepass")


def _string_list(items: tuple[str, ...]) -> str:
    return "[" + ",".join(map(quote, items)) + "]" if items else "[]"


def _records_text(result: Result) -> str:
    """``_dumps(_records_list(result))`` without the intermediate dicts (the trace's bulk after its steps)."""
    records = result.records
    parts = []
    for use in result.record_uses:
        entry = records[use.index]
        reason = "null" if use.reason is None else quote(use.reason)
        parts.append(
            f'{{"index":{use.index},"origin":{quote(entry.origin)},'
            f'"record":{record_json(entry.record).decode("utf-8", "surrogatepass")},'
            f'"used_by":{_string_list(use.used_by)},"not_applicable":{reason},"flags":{_string_list(use.flags)}}}'
        )
    return "[" + ",".join(parts) + "]"


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
        **_as_of(result),
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
        **({"sanctions": [sanction_dict(x) for x in result.sanctions]} if pack.thresholds else {}),
        "warnings": [{"code": w.code, "message": w.message} for w in result.warnings],
        "validity_overridden": result.validity_overridden,
        "disclosure": _disclosure(pack, result.category),
    }
    if trace and (result.steps or result.record_uses):
        out["trace"] = {
            "steps": [_step_dict(s) for s in result.steps],
            "records": _records_list(result),
        }
        out["interpretations"] = _interpretations(pack, result)
    return out


def sanction_dict(s: Sanction) -> dict[str, Any]:
    """A sanction a threshold started, in the JSON trace format."""
    return {
        "id": s.id,
        "kind": s.kind,
        "start": s.start.isoformat(),
        "end": s.end.isoformat() if s.end is not None else None,
        "end_latest": s.end_latest.isoformat() if s.end_latest is not None else None,
        "route": s.route,
        "total": _dec(s.total),
        "records": list(s.records),
        "active": s.active,
    }


def _as_of(result: Result) -> dict[str, Any]:
    """The evaluation date and window of an as-of pack (absent for calendar-year cycles)."""
    if result.as_of is None:
        return {}
    start = result.window_start.isoformat() if result.window_start is not None else None
    return {"as_of": result.as_of.isoformat(), "window": {"from": start, "to": result.as_of.isoformat()}}


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
    return interpretations_for(pack, {s.ref for s in result.steps})


def interpretations_for(pack: CompiledPack, refs: set[str]) -> list[dict[str, str]]:
    """The pack's interpretations that concern any of the trace's step refs, in the pack's order."""
    out: list[dict[str, str]] = []
    for i in pack.interpretations:
        if refs & set(i.rules):
            entry = {"id": i.id, "clause": i.clause, "decision": i.decision}
            if i.reason:
                entry["question"], entry["reason"] = i.question, i.reason
            out.append(entry)
    return out


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


def _step_dict(step: Step) -> dict[str, Any]:
    """A step in the JSON trace format: kind, ref, citation, records, then the kind's own fields."""
    d: dict[str, Any] = {"kind": step.kind, "ref": step.ref}
    if step.cite is not None:
        d["article"] = step.cite.article
        d["quote"] = step.cite.quote
    if step.records:
        d["records"] = list(step.records)
    if isinstance(step, RuleStep):
        d["points"] = _dec(step.points)
        d["running_score"] = _dec(step.running)
    elif isinstance(step, BandStep):
        d["running_score"] = _dec(step.score)
    elif isinstance(step, PathStep) and step.start_score is not None:
        d["running_score"] = _dec(step.start_score)
    value = step.value_text()
    if value is not None:
        d["value"] = value
    if isinstance(step, ExclusionStep | ClassStep | OverrideStep | WindowStep):
        d["matched"] = step.matched
    elif isinstance(step, ScoreStep):
        d["running_score"] = _dec(step.after)
    elif isinstance(step, ListStep):
        d["matched"] = step.active
    elif isinstance(step, MeasureStep) and step.term_ended is not None:
        d["matched"] = False
    return d


_MEMO_LIMIT = 65_536
#: Heads kept per encoder: decisions recur (a few % of subjects have one not seen before), listings with
#: their dates and warnings naming the subject do not.
_HEAD_LIMIT = 4_096
# stand for the subject's id and name and the score while a head is cut (no result holds them: json escapes NULs)
_ID_MARK, _NAME_MARK, _SCORE_MARK = "\x00id\x00", "\x00name\x00", "\x00score\x00"


def step_text(step: Step) -> str:
    """One step's compact JSON text, as it appears in a trace line."""
    return _dumps(_step_dict(step))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_json(result: Result, pack: CompiledPack, *, indent: int | None = None) -> str:
    """Deterministic JSON text of a result: exactly ``json.dumps(result_to_dict(...))``."""
    if indent is not None:
        return json.dumps(result_to_dict(result, pack), ensure_ascii=False, indent=indent, separators=(",", ": "))
    return _dumps(result_to_dict(result, pack))


class BoundedMemos:
    """Memoised texts for a writer, bounded (oldest first out) and safe to share across threads: reads
    take no lock, inserting and evicting happen under one."""

    __slots__ = ("_lock", "_memo", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._memo: dict[Any, str] = {}
        self._lock = threading.Lock()

    def _remember(self, key: Any, text: str) -> str:
        self._keep(self._memo, key, text, self.limit)
        return text

    def _keep(self, memo: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
        """Insert under the lock, evicting the oldest entries beyond ``limit``."""
        with self._lock:
            while len(memo) >= limit:
                del memo[next(iter(memo))]
            memo[key] = value


class TraceEncoder(BoundedMemos):
    """Compact JSON lines for a stream of results under one pack, byte-identical to :func:`to_json`.

    The clause quotes make steps the bulk of the output and they repeat from subject to
    subject, so each step's text is memoised (bounded, oldest first).  Safe to share across
    threads: reads take no lock, inserting and evicting happen under one.
    """

    __slots__ = ("_heads", "pack")

    def __init__(self, pack: CompiledPack, limit: int = _MEMO_LIMIT) -> None:
        super().__init__(limit)
        self.pack = pack
        # a line's head from "format" to "disclosure", cut around the subject's id and name and the score
        self._heads: dict[Any, tuple[str, str, str, str]] = {}

    def head(self, result: Result) -> str:
        """``_dumps(result_to_dict(result, pack, trace=False))``: alike decisions share their text.

        The key holds every field the head reads but the subject's id and name and the score, which are
        written into the cut text (every field is a tuple of names, dates and numbers).  A sanction's total is a
        Decimal: equal totals written differently (10 and 10.0) hash alike, so the key has their text too.
        """
        key = (
            result.pack_hash, result.category, result.cycle, result.applies_in, result.status, result.grade,
            result.path, result.reason, result.exclusions, result.measures, result.warnings,
            result.validity_overridden, result.listings, result.consequences, result.as_of, result.window_start,
            result.sanctions, tuple(str(x.total) for x in result.sanctions),
        )  # fmt: skip
        cut = self._heads.get(key)
        if cut is None:
            cut = self.cut_head(result)
            self._keep(self._heads, key, cut, _HEAD_LIMIT)
        name = "null" if result.subject_name is None else quote(result.subject_name)
        score = "null" if result.score is None else f'"{decimal_text(result.score)}"'
        return f"{cut[0]}{quote(result.subject_id)}{cut[1]}{name}{cut[2]}{score}{cut[3]}"

    def cut_head(self, result: Result) -> tuple[str, str, str, str]:
        """The head's text cut where the subject's id, its name and the score go (in that order)."""
        head = result_to_dict(result, self.pack, trace=False)
        head["subject"]["id"], head["subject"]["name"], head["score"] = _ID_MARK, _NAME_MARK, _SCORE_MARK
        text = _dumps(head)
        before_id, rest = text.split(_dumps(_ID_MARK))
        before_name, rest = rest.split(_dumps(_NAME_MARK))
        before_score, after = rest.split(_dumps(_SCORE_MARK))
        return before_id, before_name, before_score, after

    def step(self, step: Step) -> str:
        """One step's text in a trace line (memoised)."""
        return self._step(step)

    def _step(self, step: Step) -> str:
        # Decimal('0') == Decimal('0.00') and they hash alike, yet they print differently:
        # the key carries the printed form of the numbers, so equal-valued steps never share text.
        key = (step, _printed(step))
        text = self._memo.get(key)
        return text if text is not None else self._remember(key, _dumps(_step_dict(step)))

    def encode(self, result: Result) -> str:
        if not isinstance(result, Result):  # one isinstance: the writer's hot path
            raise ArgumentError(f"encode takes a Result (from evaluate), got {type(result).__name__}")
        pack = self.pack
        head = self.head(result)
        if not (result.steps or result.record_uses):
            return head
        steps = ",".join(self._step(s) for s in result.steps)
        key = ("interpretations", frozenset(s.ref for s in result.steps))
        interpretations = self._memo.get(key)
        if interpretations is None:
            interpretations = self._remember(key, _dumps(_interpretations(pack, result)))
        return (
            f'{head[:-1]},"trace":{{"steps":[{steps}],"records":{_records_text(result)}}},'
            f'"interpretations":{interpretations}}}'
        )


def _printed(step: Step) -> tuple[str, ...] | None:
    if isinstance(step, RuleStep):
        return (str(step.points), str(step.running), str(step.input))
    if isinstance(step, BandStep):
        return (str(step.score),)
    if isinstance(step, PathStep):
        return (str(step.start_score),)
    if isinstance(step, MissingStep):
        return tuple(map(str, step.found))
    if isinstance(step, ExclusionStep):
        return tuple(str(value) for _, value in step.inputs)
    if isinstance(step, ScoreStep):
        return (str(step.before), str(step.after))
    if isinstance(step, OverrideStep):
        return (str(step.score), *(str(value) for _, value in step.inputs))
    if isinstance(step, ThresholdStep):
        return (str(step.total),)
    return None


def _label(pack: CompiledPack, grade: str | None, lang: Lang) -> str:
    if grade is None:
        return "—"
    for g in pack.model.grades:
        if g.id == grade:
            return g.label.zh if lang == "zh" or not g.label.en else g.label.en
    return grade


def _window_zh(result: Result) -> str:
    return f"（评价期 {result.window_start} 至 {result.as_of}）" if result.window_start is not None else ""


def _window_en(result: Result) -> str:
    return f" (window {result.window_start} to {result.as_of})" if result.window_start is not None else ""


def _sanction_lines(result: Result, zh: bool) -> list[str]:
    out = []
    for x in result.sanctions:
        until = str(x.end) if x.end_latest is None else f"{x.end} … {x.end_latest}"
        state = ("（执行中）" if x.active else "（已结束）") if zh else (" (running)" if x.active else " (ended)")
        out.append(("处理：" if zh else "Sanction: ") + f"{x.id} {x.kind} {x.start} → {until}{state}")
    return out


def render_text(result: Result, pack: CompiledPack, lang: Lang = "zh") -> str:
    """A readable explanation of a result; every step names its article."""
    zh = lang == "zh"
    lines: list[str] = []
    status = STATUS[result.status][0 if zh else 1]
    name = f" {result.subject_name}" if result.subject_name else ""
    if zh:
        lines.append(f"信用主体 {result.subject_id}{name}（{result.category}）")
        when = f"评价周期 {result.cycle} 年" if result.as_of is None else f"评价日 {result.as_of}{_window_zh(result)}"
        lines.append(f"政策包 {pack.id}（{pack.document.number}），{when}，结果用于 {result.applies_in} 年")
        lines.append(
            f"结论：{status}"
            + (f"，{_label(pack, result.grade, lang)}" if result.grade else "")
            + (f"，评价分值 {_dec(result.score)}" if result.score is not None else "")
        )
    else:
        lines.append(f"Subject {result.subject_id}{name} ({result.category})")
        when = f"cycle {result.cycle}" if result.as_of is None else f"as of {result.as_of}{_window_en(result)}"
        lines.append(f"Pack {pack.id} ({pack.document.number}), {when}, result applies in {result.applies_in}")
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
        if x.measures_until is not None:
            state += f"，惩戒措施期限至 {x.measures_until}" if zh else f", measures' term until {x.measures_until}"
        lines.append(("名单：" if zh else "List: ") + f"{name} {x.since}{until}{state}")
    for c in result.consequences:
        lines.append(
            (f"关联人员 {c.person_id}（{c.role}）：{c.kind}，{c.start} 至 {c.end}（因 {c.institution_id}）")
            if zh
            else f"Linked person {c.person_id} ({c.role}): {c.kind} from {c.start} to {c.end} (via {c.institution_id})"
        )
    lines.extend(_sanction_lines(result, zh))
    for w in result.warnings:
        lines.append(("警告：" if zh else "Warning: ") + (w.message_zh if zh else w.message))
    for d in _disclosure(pack, result.category):
        if zh:
            lines.append(f"信息披露：{'、'.join(_CHANNELS_ZH[c] for c in d['channels'])}【{d['article']}】")
        else:
            lines.append(f"Disclosure: {', '.join(d['channels'])} [{d['article']}]")
    lines.append("")
    lines.append("评价过程：" if zh else "Steps:")
    text = _Text(pack, lang)
    for n, step in enumerate(result.steps, start=1):
        lines.append(f"  {n}. " + text(step))
        cite = step.cite
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
            if i.reason:
                lines.append(("    理由：" if zh else "    Reason: ") + i.reason)
    # ids, names and codes come from the history and the pack: a control character in one is shown escaped,
    # so it cannot forge a line of the explanation or reach the terminal
    return "\n".join(one_line(line) for line in lines) + "\n"


def _decisive(step: Step) -> bool:
    """Steps that changed or fixed the outcome (their clause is quoted in the text)."""
    if isinstance(step, RuleStep):
        return bool(step.points)
    if isinstance(step, ExclusionStep | ClassStep | OverrideStep):
        return step.matched
    return not isinstance(step, ScopeStep)


def _reason_text(reason: str | None, lang: Lang) -> str:
    if reason is None:
        return ""
    key, _, detail = reason.partition(":")
    if key == "not_used_by_path":
        return f"评价路径 {detail} 不使用此记录" if lang == "zh" else f"grading path {detail} does not use it"
    if key == "out_of_force":
        window, _, last = detail.partition(":")
        if lang == "zh":
            return f"已不在有效期内（{window}，有效至 {last}）"
        return f"no longer in force (window {window}, in force until {last})"
    pair = REASONS.get(key)
    return (pair[0] if lang == "zh" else pair[1]) if pair else reason


class _Text:
    """How one step reads, in one language: the article in brackets, then the step's own words."""

    __slots__ = ("lang", "pack", "zh")

    def __init__(self, pack: CompiledPack, lang: Lang) -> None:
        self.pack = pack
        self.lang = lang
        self.zh = lang == "zh"

    def __call__(self, step: Step) -> str:
        where = f"【{step.cite.article}】" if step.cite is not None else ""
        recs = ""
        if step.records:
            recs = f" 记录 {list(step.records)}" if self.zh else f" records {list(step.records)}"
        return _STEP_TEXT[type(step)](self, step, where, recs)

    def pick(self, zh: str, en: str) -> str:
        return zh if self.zh else en

    def label(self, grade: str | None) -> str:
        return _label(self.pack, grade, self.lang)


def _exclusion_text(t: _Text, s: Any, where: str, recs: str) -> str:
    verdict = t.pick("适用，不参与评价", "applies: not evaluated") if s.matched else t.pick("不适用", "does not apply")
    value = s.value_text()
    return t.pick(
        f"{where}排除情形 {s.ref}（{value}）：{verdict}{recs}", f"{where} exclusion {s.ref} ({value}): {verdict}{recs}"
    )


def _path_text(t: _Text, s: Any, where: str, recs: str) -> str:
    if s.start_score is None:  # a classification path: it yields a grade, no score
        label = t.label(s.grade)
        return t.pick(f"{where}评价路径 {s.ref}：{label}{recs}", f"{where} grading path {s.ref}: {label}{recs}")
    start = _dec(s.start_score)
    return t.pick(
        f"{where}评价路径 {s.ref}，起始分值 {start}{recs}",
        f"{where} grading path {s.ref}, starting score {start}{recs}",
    )


def _rule_text(t: _Text, s: Any, where: str, recs: str) -> str:
    value, points, running = s.value_text(), _dec(s.points), _dec(s.running)
    return t.pick(
        f"{where}{s.ref}：输入 {value}，{points} 分，累计 {running}{recs}",
        f"{where} {s.ref}: input {value}, {points} points, running {running}{recs}",
    )


def _band_text(t: _Text, s: Any, where: str, recs: str) -> str:
    score, label = _dec(s.score), t.label(s.grade)
    return t.pick(f"{where}分值 {score} → {label}", f"{where} score {score} → {label}")


def _measure_text(t: _Text, s: Any, where: str, recs: str) -> str:
    m = next(x for x in t.pack.model.measures if x.id == s.ref)
    optional = "" if m.mandatory else t.pick("（可以采取）", " (may be applied)")
    if s.term_ended is not None:  # its term, or the listing, ended on that day (辽宁 第十六条)
        day = s.term_ended
        optional = t.pick(f"（措施已于 {day} 终止，不再实施）", f" (it ended on {day}: no longer applied)")
    text = m.effect.zh if t.zh or not m.effect.en else m.effect.en
    return t.pick(f"{where}措施 {s.ref}：{text}{optional}", f"{where} measure {s.ref}: {text}{optional}")


def _missing_text(t: _Text, s: Any, where: str, recs: str) -> str:
    value = s.value_text()
    return t.pick(
        f"{where}评价路径 {s.ref} 缺少或有冲突的评分（{value}），无法评价{recs}",
        f"{where} grading path {s.ref}: missing or conflicting score ({value}), cannot grade{recs}",
    )


def _roll_up_text(t: _Text, s: Any, where: str, recs: str) -> str:
    parent = s.value_text()
    return t.pick(f"{where}不单独评价，计入上级机构 {parent}", f"{where} not graded alone; counts for parent {parent}")


def _validity_text(t: _Text, s: Any, where: str, recs: str) -> str:
    return t.pick(
        f"{where}评价周期 {s.cycle} 不在有效期内，已显式覆盖",
        f"{where} cycle {s.cycle} outside the pack's validity: explicitly overridden",
    )


def _class_text(t: _Text, s: Any, where: str, recs: str) -> str:
    verdict = t.pick("符合", "matched") if s.matched else t.pick("不符合", "not matched")
    label = t.label(s.ref)
    value = s.value_text()
    detail = (t.pick(f"（{value}）", f" ({value})")) if value else ""
    return t.pick(f"{where}{label}标准：{verdict}{detail}{recs}", f"{where} class {label}: {verdict}{detail}{recs}")


def _list_text(t: _Text, s: Any, where: str, recs: str) -> str:
    state = t.pick("在列", "listed") if s.active else t.pick("已移出或期满", "no longer listed")
    return t.pick(
        f"{where}名单 {s.ref}：自 {s.since} 起，{state}{recs}", f"{where} list {s.ref}: since {s.since}, {state}{recs}"
    )


def _consequence_text(t: _Text, s: Any, where: str, recs: str) -> str:
    value = s.value_text()
    return t.pick(f"{where}关联人员后果 {s.ref}：{value}", f"{where} consequence for a linked person {s.ref}: {value}")


def _window_text(t: _Text, s: Any, where: str, recs: str) -> str:
    return t.pick(
        f"{where}记录已不在有效期内（{s.ref}，有效至 {s.last_day}），不予计入{recs}",
        f"{where} record no longer in force ({s.ref}, in force until {s.last_day}): not counted{recs}",
    )


def _score_text(t: _Text, s: Any, where: str, recs: str) -> str:
    before, after = _dec(s.before), _dec(s.after)
    return t.pick(
        f"{where}评价路径 {s.ref} 的分值 {before} 经取舍和上下限处理为 {after}",
        f"{where} grading path {s.ref}: score {before} rounded and kept within its limits: {after}",
    )


def _override_text(t: _Text, s: Any, where: str, recs: str) -> str:
    if s.skipped is not None:
        return t.pick(
            f"{where}调整规则 {s.ref}：未适用（{s.skipped}）", f"{where} override {s.ref}: not applied ({s.skipped})"
        )
    value = ", ".join(f"{n}={v}" for n, v in s.inputs)
    if not s.matched:
        return t.pick(
            f"{where}调整规则 {s.ref}（{value}）：不适用", f"{where} override {s.ref} ({value}): does not apply"
        )
    label, score = t.label(s.grade), _dec(s.score)
    return t.pick(
        f"{where}调整规则 {s.ref}（{value}）：适用，等级 {label}，分值 {score}{recs}",
        f"{where} override {s.ref} ({value}): applies, grade {label}, score {score}{recs}",
    )


def _threshold_text(t: _Text, s: Any, where: str, recs: str) -> str:
    until = str(s.end) if s.end_latest is None else f"{s.end} … {s.end_latest}"
    route_zh = "单次达到" if s.route == "single_event" else "累计达到"
    return t.pick(
        f"{where}{s.ref}：{route_zh} {_dec(s.total)}，自 {s.start} 起，至 {until}{recs}",
        f"{where} {s.ref}: reached {_dec(s.total)} ({s.route.replace('_', ' ')}) on {s.start}, until {until}{recs}",
    )


def _repaired_text(t: _Text, s: Any, where: str, recs: str) -> str:
    return t.pick(
        f"{where}准予信用修复（记录 {s.records[1]}）自 {s.effective} 起生效，记录 {s.records[0]} 不再计入",
        f"{where} the repair granted in record {s.records[1]} took effect on {s.effective}: record {s.records[0]} "
        "is not counted",
    )


def _scope_text(t: _Text, s: Any, where: str, recs: str) -> str:
    pair = RESULT_REASONS.get(s.ref)
    return pair[0 if t.zh else 1] if pair else s.ref


_StepText = Callable[[_Text, Any, str, str], str]
_STEP_TEXT: dict[type[Any], _StepText] = {
    ExclusionStep: _exclusion_text,
    PathStep: _path_text,
    RuleStep: _rule_text,
    BandStep: _band_text,
    MeasureStep: _measure_text,
    MissingStep: _missing_text,
    ConflictStep: _missing_text,
    RollUpStep: _roll_up_text,
    ValidityStep: _validity_text,
    ClassStep: _class_text,
    ListStep: _list_text,
    ConsequenceStep: _consequence_text,
    ScopeStep: _scope_text,
    WindowStep: _window_text,
    ScoreStep: _score_text,
    OverrideStep: _override_text,
    ThresholdStep: _threshold_text,
    RepairedStep: _repaired_text,
}
