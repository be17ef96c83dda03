"""Commands that present a pack to people: render (the pack read beside its law, as HTML)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medcredit.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_lang_option,
    pack_file,
    refuse_overwriting,
    report_lang,
    ui_lang,
)
from medcredit.cli.messages import msg
from medcredit.pack.loader import load_pack

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def cmd_render(args: argparse.Namespace) -> int:
    from medcredit.render.pack_html import render_pack_html

    refuse_overwriting([("PACK", pack_file(args.pack))], ("--html", args.html), ui_lang(args))
    compiled = load_pack(args.pack)
    page = render_pack_html(compiled.model, report_lang(args, "zh"))
    if args.html == "-":
        sys.stdout.write(page)
        return EXIT_OK
    out = Path(args.html)
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"medcredit: {msg('cannot_write', ui_lang(args), target=out, reason=exc.strerror)}\n")
        return EXIT_USAGE
    sys.stderr.write(msg("wrote", ui_lang(args), path=out) + "\n")
    return EXIT_OK


def register(sub: Subparsers) -> None:
    """Add the render command to the parser."""
    p = sub.add_parser(
        "render",
        help="a pack as one self-contained HTML page: each article's text, its quoted spans and what implements it",
    )
    p.add_argument("pack", metavar="PACK", help="pack file or bundled pack name")
    p.add_argument("--html", required=True, metavar="OUT", help="output HTML file ('-' for stdout)")
    add_lang_option(p, "zh", "page's own words")
    p.set_defaults(func=cmd_render)
