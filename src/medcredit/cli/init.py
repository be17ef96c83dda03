"""``medcredit init SEED.txt --id NAME OUT.yaml``: scaffold a new pack from its document's text."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medcredit.cli.common import EXIT_OK, EXIT_USAGE, ui_lang
from medcredit.cli.messages import msg

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _pack_id(text: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a pack id (lower-case letters, digits and _)")
    return text


def cmd_init(args: argparse.Namespace) -> int:
    from medcredit.authoring.scaffold import scaffold

    seed, out = Path(args.seed), Path(args.out)
    lang = ui_lang(args)
    cases = out.with_name(f"{out.name.removesuffix('.yaml').removesuffix('.yml')}.cases.yaml")
    if not seed.is_file():
        sys.stderr.write(f"medcredit: {msg('seed_not_found', lang, seed=seed)}\n")
        return EXIT_USAGE
    existing = [p for p in (out, cases) if p.exists()]
    if existing and not args.force:
        sys.stderr.write(f"medcredit: {msg('exists_use_force', lang, path=existing[0])}\n")
        return EXIT_USAGE
    try:
        pack_text, cases_text, articles = scaffold(seed, args.id, out)
    except UnicodeDecodeError:
        sys.stderr.write(f"medcredit: {msg('not_utf8', lang, seed=seed)}\n")
        return EXIT_USAGE
    if not articles:
        sys.stderr.write(f"medcredit: {msg('no_articles', lang, seed=seed)}\n")
        return EXIT_USAGE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(pack_text, encoding="utf-8")
    cases.write_text(cases_text, encoding="utf-8")
    first = ", ".join(list(articles)[:3])
    sys.stderr.write(msg("init_wrote", lang, out=out, n=len(articles), first=first, cases=cases, name=out.name) + "\n")
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add the init command to the parser."""
    p = sub.add_parser(
        "init", help="scaffold a new pack from its document's text: metadata, the articles registry, a case file"
    )
    p.add_argument("seed", metavar="SEED.txt", help="the document's original text (UTF-8)")
    p.add_argument("--id", required=True, type=_pack_id, help="the new pack's id, e.g. taizhou")
    p.add_argument("out", metavar="OUT.yaml", help="the pack file to write (its .cases.yaml is written beside it)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(func=cmd_init)
