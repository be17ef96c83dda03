"""The command line's own messages in Chinese and English: one catalogue, one lookup.

The language is ``--lang`` when given, else the locale (``LC_ALL``, then
``LC_MESSAGES``, then ``LANG``, as POSIX orders them): a value starting with
``zh`` selects Chinese, anything else English.  Only the CLI's own words are
translated here; problem messages name YAML fields and stay as they are, and the
law's quotes are always Chinese.  Reports (``explain``, ``diff``, ``render``)
have their own words in their own modules and a documented default language.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Literal

Lang = Literal["zh", "en"]

_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

MESSAGES: dict[str, dict[Lang, str]] = {
    # closing account of a batch (evaluate, explain, compare, diff)
    "summary": {
        "en": (
            "{inputs} inputs: {results} evaluated, {rejected} rejected, {failed} failed, {skipped} blank lines skipped"
        ),
        "zh": "共 {inputs} 条输入：评价 {results} 个，拒绝 {rejected} 个，失败 {failed} 个，跳过空行 {skipped} 行",
    },
    "summary_linked": {"en": "and {linked} linked persons", "zh": "另评价关联人员 {linked} 人"},
    "summary_grades": {"en": "grades: {grades}", "zh": "等级：{grades}"},
    "summary_no_grades": {"en": "grades: none", "zh": "等级：无"},
    "summary_time": {"en": "{seconds:.2f} s", "zh": "用时 {seconds:.2f} 秒"},
    "table_written": {"en": "{n} subjects → {output}", "zh": "{n} 个主体 → {output}"},
    "see_above": {"en": " (see above)", "zh": "（详见上文）"},
    # progress on stderr
    "progress_count": {"en": "{label}: {count:,} subjects", "zh": "{label}：{count:,} 个主体"},
    "progress_bytes": {"en": "{done} of {total} ({percent}%)", "zh": "{done} / {total}（{percent}%）"},
    "progress_rate": {"en": "{rate}/s", "zh": "{rate}/秒"},
    "progress_eta": {"en": "ETA {eta}", "zh": "预计剩余 {eta}"},
    "label_evaluated": {"en": "evaluated", "zh": "已评价"},
    "label_compared": {"en": "compared", "zh": "已比较"},
    # headlines of validate, check, test
    "validate_ok": {"en": "{name}: ok ({id}, {hash}…)", "zh": "{name}：通过（{id}，{hash}…）"},
    "check_headline": {
        "en": "{packs} pack(s) checked: {errors} error(s), {warnings} warning(s)",
        "zh": "已检查 {packs} 个政策包：{errors} 个错误，{warnings} 个警告",
    },
    "test_headline": {"en": "{passed} passed, {failed} failed", "zh": "{passed} 个通过，{failed} 个失败"},
    # usage errors
    "usage_error": {"en": "error", "zh": "用法错误"},
    "no_case_files": {"en": "no *.cases.yaml files under {target}", "zh": "{target} 下没有 *.cases.yaml 文件"},
    "deadline_needs": {
        "en": "deadline needs DEADLINE and DATE (or --list to see the pack's deadlines)",
        "zh": "deadline 需要 DEADLINE 和 DATE 两个参数（或用 --list 列出政策包的期限）",
    },
    "cannot_write": {"en": "cannot write {target}: {reason}", "zh": "无法写入 {target}：{reason}"},
    "unknown_name": {"en": "unknown {kind} '{name}' (known: {known})", "zh": "未知的{kind}“{name}”（可选：{known}）"},
    "did_you_mean": {"en": "; did you mean '{hint}'?", "zh": "；是否想输入“{hint}”？"},
    "none": {"en": "none", "zh": "无"},
    "unannounced_year": {
        "en": "{error}: pass it with {where} (the format is in docs/guide/time.md)",
        "zh": "{error}：请用 {where} 提供该年的放假安排（格式见 docs/guide/time.md）",
    },
    "interrupted": {"en": "interrupted", "zh": "已中断"},
    "output_encoding": {
        "en": (
            "standard output is {encoding}, which cannot hold the Chinese text medcredit writes: "
            "set PYTHONIOENCODING=utf-8 (or use a UTF-8 locale, e.g. LANG=C.UTF-8)"
        ),
        "zh": (
            "标准输出的编码为 {encoding}，无法写出 medcredit 输出的中文："
            "请设置 PYTHONIOENCODING=utf-8（或使用 UTF-8 区域设置，如 LANG=C.UTF-8）"
        ),
    },
    "same_file": {
        "en": "{first} and {second} are the same file ({path}): one would overwrite the other",
        "zh": "{first} 与 {second} 是同一个文件（{path}）：写入其一会覆盖另一个",
    },
    "os_error": {"en": "{what}: {reason}", "zh": "{what}：{reason}"},
    "worker_stopped": {
        "en": "a worker process stopped before finishing its lines (killed, or out of memory?); the output is "
        "complete up to the last line written: rerun with --jobs 1 or fewer processes",
        "zh": "有工作进程在处理完其行之前停止（被终止或内存不足？）；输出截至最后写出的一行为止是完整的："
        "请用 --jobs 1 或更少的进程重新运行",
    },
    # init, render, template, deadline
    "seed_not_found": {"en": "seed file not found: {seed}", "zh": "找不到原文文件：{seed}"},
    "exists_use_force": {"en": "{path} exists; use --force to overwrite", "zh": "{path} 已存在；用 --force 覆盖"},
    "not_utf8": {"en": "{seed} is not UTF-8 text", "zh": "{seed} 不是 UTF-8 文本"},
    "no_articles": {
        "en": "no articles found in {seed} (looked for 第X条, then 一、 / （一） headings)",
        "zh": "{seed} 中找不到条文（先按“第X条”，再按“一、”“（一）”标题查找）",
    },
    "init_wrote": {
        "en": "wrote {out} ({n} articles: {first}…) and {cases}\n"
        "next: check the metadata marked in {name}, add the rules, then `medcredit validate {out}`",
        "zh": "已写入 {out}（{n} 条：{first}…）和 {cases}\n"
        "下一步：核对 {name} 中标出的元数据，补充规则，然后运行 `medcredit validate {out}`",
    },
    "wrote": {"en": "wrote {path}", "zh": "已写入 {path}"},
    "wrote_template": {"en": "wrote the {fmt} history template to {path}", "zh": "已将 {fmt} 历史数据模板写入 {path}"},
    "no_deadlines": {"en": "pack '{pack}' declares no deadlines", "zh": "政策包 '{pack}' 没有规定期限"},
}

#: what ``require_known`` refuses, named in Chinese (the English is the key itself)
_KINDS_ZH = {"check": "检查项", "declaration": "声明条件", "property": "性质"}

#: argparse's own usage errors (English, from its gettext catalogue), with their Chinese wording
_ARGPARSE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^the following arguments are required: (?P<rest>.*)$"), "缺少必需的参数：{rest}"),
    (re.compile(r"^one of the arguments (?P<rest>.*) is required$"), "须给出以下参数之一：{rest}"),
    (re.compile(r"^unrecognized arguments: (?P<rest>.*)$"), "无法识别的参数：{rest}"),
    (
        re.compile(r"^argument (?P<arg>[^:]+): invalid choice: (?P<value>.*?) \(choose from (?P<rest>.*)\)$"),
        "参数 {arg} 的取值 {value} 无效（可选：{rest}）",
    ),
    (re.compile(r"^argument (?P<arg>[^:]+): expected one argument$"), "参数 {arg} 需要一个值"),
    (re.compile(r"^argument (?P<arg>[^:]+): (?P<rest>.*)$"), "参数 {arg}：{rest}"),
)


def locale_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """The language the locale asks for: the first set of LC_ALL, LC_MESSAGES, LANG starting with ``zh``."""
    env = os.environ if environ is None else environ
    for name in _LOCALE_VARIABLES:
        value = env.get(name)
        if value:  # the first variable that is set decides, as in setlocale(3)
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def resolve_lang(explicit: str | None, environ: Mapping[str, str] | None = None) -> Lang:
    """``--lang`` when given, else the locale's language."""
    if explicit == "zh":
        return "zh"
    if explicit == "en":
        return "en"
    return locale_lang(environ)


def msg(key: str, lang: Lang, **values: object) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in."""
    return MESSAGES[key][lang].format(**values)


def kind_name(kind: str, lang: Lang) -> str:
    """The name of a kind of id (``check``, ``declaration``, ``property``) in ``lang``."""
    return _KINDS_ZH.get(kind, kind) if lang == "zh" else kind


def argparse_message(text: str, lang: Lang) -> str:
    """One of argparse's own error messages in ``lang`` (unknown wordings stay as argparse wrote them)."""
    if lang == "en":
        return text
    for pattern, template in _ARGPARSE:
        found = pattern.match(text)
        if found:
            return template.format(**found.groupdict())
    return text
