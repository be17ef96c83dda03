"""The ``serve`` command: run the HTTP service (needs the ``serve`` extra)."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from medcredit.cli.common import EXIT_OK, EXIT_USAGE, ascii_whole, positive_seconds, whole_arg

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from medcredit.serve.app import create_app
    except ImportError:
        sys.stderr.write("medcredit: the service needs the serve extra: pip install 'medcredit[serve]'\n")
        return EXIT_USAGE
    from medcredit.serve.config import ServiceConfig, compile_packs, is_loopback, read_tokens

    tokens = read_tokens(Path(args.token_file) if args.token_file is not None else None)  # "" is no file either
    if not tokens and not is_loopback(args.host):
        sys.stderr.write(
            f"medcredit: binding {args.host} needs bearer tokens (--token-file or MEDCREDIT_TOKENS); "
            "without them the service listens on 127.0.0.1 only\n"
        )
        return EXIT_USAGE
    packs = compile_packs(args.packs, Path(args.packs_dir) if args.packs_dir else None)
    refused = _cannot_bind(args.host, args.port)
    if refused is not None:  # said in one line here: uvicorn would log it and exit with its own code
        sys.stderr.write(f"medcredit: cannot listen on {args.host}:{args.port}: {refused}\n")
        return EXIT_USAGE
    config = ServiceConfig(
        packs=packs,
        max_body_bytes=args.max_body,
        max_batch=args.max_batch,
        timeout_s=args.timeout,
        tokens=tokens,
        query_log=Path(args.query_log),
        default_pack=next(iter(packs)) if len(packs) == 1 else None,
    )
    app = create_app(config)  # before saying "serving": it refuses a query log that fails verification
    sys.stderr.write(
        f"medcredit: serving {', '.join(sorted(packs))} on http://{args.host}:{args.port} "
        f"(auth {'on' if tokens else 'off'}, query log {args.query_log})\n"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return EXIT_OK


def _cannot_bind(host: str, port: int) -> str | None:
    """Why the service could not listen on (host, port), or None: a port in use, an unknown address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _name, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _port(text: str) -> int:
    value = ascii_whole(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is out of range: 0 to 65535")
    return value


def register(sub: Subparsers) -> None:
    """Add the serve command to the parser."""
    p = sub.add_parser("serve", help="run the HTTP service (pip install 'medcredit[serve]')")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (other than loopback needs tokens)")
    p.add_argument("--port", type=_port, default=8000)
    p.add_argument("--pack", dest="packs", action="append", metavar="NAME", help="bundled pack or file (repeatable)")
    p.add_argument(
        "--packs-dir",
        metavar="DIR",
        help="serve every *.yaml pack in DIR (case files, *.cases.yaml, are skipped); the bundled packs too "
        "only when named with --pack",
    )
    p.add_argument("--max-body", type=whole_arg("--max-body", 1), default=4 * 1024 * 1024, metavar="BYTES")
    p.add_argument(
        "--max-batch", type=whole_arg("--max-batch", 1), default=1000, metavar="N", help="subjects per request"
    )
    p.add_argument("--timeout", type=positive_seconds, default=30.0, metavar="SECONDS", help="per request")
    p.add_argument("--token-file", metavar="FILE", help="bearer tokens, one per line (also MEDCREDIT_TOKENS)")
    p.add_argument(
        "--query-log",
        default="medcredit-querylog.sqlite",
        metavar="PATH",
        help="query log: SQLite (default) or a .jsonl file (one writer only)",
    )
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=cmd_serve)
