"""Commands about procedures on a date: deadline, repair, standing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medcredit.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    add_lang_option,
    emit_json,
    parse_date,
    report_lang,
    require_known,
    ui_lang,
)
from medcredit.cli.messages import msg
from medcredit.diagnostics.escape import one_line
from medcredit.pack.loader import load_pack
from medcredit.pack.validity import in_force, validity_text
from medcredit.procedures.deadlines import compute_deadline, deadline_chain
from medcredit.procedures.sanctions import person_sanctions
from medcredit.procedures.standing import standing
from medcredit.render.links import article_link
from medcredit.render.procedures import standing_dict
from medcredit.repair.assess import assess_repair, declaration_names
from medcredit.time.official_calendar import OfficialCalendar, load_schedule

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _calendar(args: argparse.Namespace) -> OfficialCalendar | None:
    files = getattr(args, "schedule", None) or []
    if not files:
        return None
    return OfficialCalendar([load_schedule(Path(f)) for f in files])


def _period(working_days: int | None, months: int | None, years: int | None) -> str:
    if working_days:
        return f"{working_days} working days"
    return f"{months} months" if months else f"{years} years" if years else ""


def _list_deadlines(args: argparse.Namespace) -> int:
    """``deadline --list``: every deadline the pack declares, with its period and the clause."""
    pack = load_pack(args.pack)
    deadlines = pack.model.deadlines
    if args.format == "json":
        body = [
            {
                "id": d.id,
                "label": d.label.model_dump(),
                "period": _period(d.working_days, d.months, d.years),
                "follows": d.follows,
                "cite": d.cite.model_dump(),
                "link": article_link(pack.id, d.cite.article),
            }
            for d in deadlines
        ]
        emit_json(body)
        return EXIT_OK
    if not deadlines:
        _line(msg("no_deadlines", ui_lang(args), pack=pack.id) + "\n")
    for d in deadlines:
        label = d.label.zh if report_lang(args, "zh") == "zh" else (d.label.en or d.label.zh)
        after = f" (after {d.follows})" if d.follows else ""
        cells = (d.id, f"{_period(d.working_days, d.months, d.years)}{after}", label, f"[{d.cite.article}]")
        sys.stdout.write("\t".join(one_line(cell) for cell in cells) + "\n")  # a tab in a label is not a column
    return EXIT_OK


def _line(text: str) -> None:
    """Write one line of a text report: values from the pack or the history (ids, labels, reasons) may hold
    control characters, shown escaped so that they cannot forge a line or reach the terminal."""
    sys.stdout.write(one_line(text.removesuffix("\n")) + "\n")


def cmd_deadline(args: argparse.Namespace) -> int:
    if args.list:
        return _list_deadlines(args)
    if args.deadline is None or args.start is None:
        sys.stderr.write(f"medcredit: {msg('deadline_needs', ui_lang(args))}\n")
        return EXIT_USAGE
    pack = load_pack(args.pack)
    cal = _calendar(args)
    if args.chain:
        answers = deadline_chain(
            pack, args.deadline, args.start, calendar=cal, override_validity=args.override_validity
        )
    else:
        one = compute_deadline(pack, args.deadline, args.start, calendar=cal, override_validity=args.override_validity)
        answers = [one]
    if args.format == "json":
        # each answer links to its article on the rendered pack page (medcredit render)
        linked = [a.as_dict() | {"link": article_link(pack.id, a.deadline.cite.article)} for a in answers]
        body: Any = linked if args.chain else linked[0]
        emit_json(body)
        return EXIT_OK
    zh = report_lang(args, "zh") == "zh"
    for a in answers:
        d = a.deadline
        if zh:
            _line(f"{d.label.zh}（{d.id}）：自 {a.start}（{d.starts.zh}）起，截止 {a.due.value}\n")
            _line(f"  依据【{d.cite.article}】{d.cite.quote}\n")
            _line(f"  计算：{a.due.explanation_zh}\n")
        else:
            label, starts = d.label.en or d.label.zh, d.starts.en or d.starts.zh
            _line(f"{label} ({d.id}): from {a.start} ({starts}), due {a.due.value}\n")
            _line(f"  basis [{d.cite.article}] {d.cite.quote}\n")
            _line(f"  computed: {a.due.explanation}\n")
        _line("  " + "; ".join(a.due.sources) + "\n")
        if a.validity_overridden:
            _line("  (outside the pack's validity: overridden)\n")
    return EXIT_OK


def _one_subject(path: str) -> Any:
    from medcredit.history.reader import load_subject

    return load_subject(path)


def cmd_repair(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    names = declaration_names(pack)
    require_known("declaration", args.declare, names, ui_lang(args))
    require_known("declaration", args.deny, names, ui_lang(args))
    subject = _one_subject(args.file)
    declarations = dict.fromkeys(args.declare or [], True)
    declarations.update(dict.fromkeys(args.deny or [], False))
    answer = assess_repair(
        pack, subject, args.record, args.on, declarations=declarations, override_validity=args.override_validity
    )
    if args.format == "json":
        emit_json(answer.as_dict())
    else:
        zh = report_lang(args, "zh") == "zh"
        verdict = (
            ("可以申请信用修复" if answer.eligible else "不能申请信用修复")
            if zh
            else ("eligible for credit repair" if answer.eligible else "not eligible for credit repair")
        )
        _line(f"{answer.subject_id} / {answer.record_id} @ {answer.on}: {verdict} ({answer.route or '-'})\n")
        for c in answer.conditions:
            mark = "✓" if c.met else "✗"
            text = c.reason_zh if zh else c.reason
            _line(f"  {mark} {c.id}【{c.article}】{text}\n")
        if answer.earliest:
            _line(
                ("  时间条件最早满足日：" if zh else "  earliest date the time conditions hold: ")
                + f"{answer.earliest}\n"
            )
        if not answer.conditions:
            _line(f"  {(answer.reason_zh or answer.reason) if zh else answer.reason}\n")
    return EXIT_OK if answer.eligible else EXIT_PROBLEMS


def cmd_standing(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    subject = _one_subject(args.file)
    st = standing(pack, subject, args.as_of, override_validity=args.override_validity)
    body = standing_dict(st)
    if args.format == "json":
        emit_json(body)
        return EXIT_OK
    zh = report_lang(args, "zh") == "zh"
    _line(f"{body['subject']} @ {body['as_of']} ({body['pack']})\n")
    in_force = ", ".join(str(i) for i in body["records_in_force"]) or "-"
    _line(("  有效记录（序号）：" if zh else "  records in force (index): ") + in_force + "\n")
    for gone in body["records_not_in_force"]:
        _line(("  失效记录 " if zh else "  not in force: record ") + f"{gone['index']}: {gone['reason']}\n")
    for marked in body["records_flagged"]:
        _line(("  标注记录 " if zh else "  marked: record ") + f"{marked['index']}: {marked['flag']}\n")
    if not body["listings"]:
        _line("  不在任何名单上\n" if zh else "  on no list\n")
    for x in body["listings"]:
        state = ("在列" if x["active"] else "已移出") if zh else ("active" if x["active"] else "ended")
        until = x["until"] or "-"
        _line(f"  {x['list']}: {x['since']} → {until} ({state})\n")
    for c in body["consequences"]:
        _line(f"  {c['kind']} {c['person']} ({c['role']}) {c['start']} → {c['end']}\n")
    for x in body.get("sanctions", ()):
        until = x["end"] if x["end_latest"] is None else f"{x['end']} … {x['end_latest']}"
        state = ("执行中" if x["active"] else "已结束") if zh else ("running" if x["active"] else "ended")
        _line(f"  {x['id']} {x['kind']}: {x['start']} → {until} ({x['route']}, {state})\n")
    if body["validity_overridden"]:
        _line("  (outside the pack's validity: overridden)\n")
    return EXIT_OK


def cmd_in_force(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    yes = in_force(pack, args.date)
    doc = pack.document
    if args.format == "json":
        body = {
            "pack": pack.id,
            "document": doc.number,
            "date": args.date.isoformat(),
            "in_force": yes,
            "effective": doc.effective.isoformat(),
            "expires": doc.expires.isoformat() if doc.expires else None,
        }
        emit_json(body)
    elif report_lang(args, "zh") == "zh":
        verdict = "有效" if yes else "不在有效期内"
        window = f"{doc.effective} 至 {doc.expires or '未定终止日期'}"
        _line(f"{pack.id}（{doc.number}）于 {args.date}：{verdict}（有效期 {window}）\n")
    else:
        verdict = "in force" if yes else "not in force"
        _line(f"{pack.id} ({doc.number}) on {args.date}: {verdict} ({validity_text(pack)})\n")
    return EXIT_OK if yes else EXIT_PROBLEMS


def cmd_sanctions(args: argparse.Namespace) -> int:
    pack = load_pack(args.pack)
    person = _one_subject(args.file)
    answer = person_sanctions(pack, person, args.on, override_validity=args.override_validity)
    if args.format == "json":
        emit_json(answer.as_dict())
    else:
        zh = report_lang(args, "zh") == "zh"
        if not answer.running:
            _line(
                f"{answer.person_id} @ {answer.on}: " + ("无正在执行的关联后果\n" if zh else "no consequence running\n")
            )
        for c in answer.running:
            head = f"{answer.person_id} @ {answer.on}: {c.kind}"
            _line(
                f"{head}（{c.role}），{c.start} 至 {c.end}，因 {c.institution_id}\n"
                if zh
                else f"{head} ({c.role}) {c.start} to {c.end}, via {c.institution_id}\n"
            )
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add the deadline, repair, standing, in-force and sanctions commands to the parser."""
    p = sub.add_parser("deadline", help="due date of a procedural deadline declared in a pack")
    p.add_argument("--pack", required=True)
    p.add_argument("deadline", metavar="DEADLINE", nargs="?", help="deadline id, e.g. objection_verification")
    p.add_argument(
        "start", metavar="DATE", nargs="?", type=parse_date, help="the day the count starts from (not counted)"
    )
    p.add_argument("--list", action="store_true", help="list the pack's deadlines instead")
    p.add_argument("--chain", action="store_true", help="also the deadlines that follow this one")
    p.add_argument(
        "--schedule",
        action="append",
        metavar="FILE",
        help="official holiday schedule for a year the library does not know (YAML/JSON)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_lang_option(p, "zh")
    p.add_argument("--override-validity", action="store_true")
    p.set_defaults(func=cmd_deadline)

    p = sub.add_parser("repair", help="credit repair eligibility of one record on a date")
    p.add_argument("--pack", required=True)
    p.add_argument("--record", required=True, help="id of the record to repair")
    p.add_argument("--on", required=True, type=parse_date, help="date of the application")
    p.add_argument("--declare", action="append", metavar="NAME", help="a declared condition that holds")
    p.add_argument("--deny", action="append", metavar="NAME", help="a declared condition that does not hold")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_lang_option(p, "zh")
    p.add_argument("--override-validity", action="store_true")
    p.add_argument("file", metavar="FILE", help="one subject's history (.json or .yaml)")
    p.set_defaults(func=cmd_repair)

    p = sub.add_parser("standing", help="a subject's standing on a date (lists, sanctions, records in force)")
    p.add_argument("--pack", required=True)
    p.add_argument("--as-of", required=True, type=parse_date, dest="as_of")
    p.add_argument("--format", choices=["json", "text"], default="json", help="JSON (default) or readable text")
    add_lang_option(p, "zh")
    p.add_argument("--override-validity", action="store_true")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_standing)

    p = sub.add_parser("in-force", help="is the pack's document in force on a date (exit 0 yes, 1 no)")
    p.add_argument("--pack", required=True)
    p.add_argument("date", metavar="DATE", type=parse_date)
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_lang_option(p, "zh")
    p.set_defaults(func=cmd_in_force)

    p = sub.add_parser(
        "sanctions", help="consequences running against a person on a date (e.g. 中牟's 5-year management ban)"
    )
    p.add_argument("--pack", required=True)
    p.add_argument("--on", required=True, type=parse_date, help="the date asked about")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_lang_option(p, "zh")
    p.add_argument("--override-validity", action="store_true")
    p.add_argument("file", metavar="FILE", help="the person's history, with linked_institutions (.json or .yaml)")
    p.set_defaults(func=cmd_sanctions)
