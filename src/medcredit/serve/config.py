"""What a running service is configured with, and the packs it compiles once at start-up."""

from __future__ import annotations

import hmac
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from medcredit.diagnostics.errors import MedcreditError
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import bundled_pack_names, load_pack

#: environment variable holding bearer tokens (one per line or comma-separated)
TOKENS_ENV = "MEDCREDIT_TOKENS"


class ServiceConfigError(MedcreditError):
    """The service cannot start with this configuration."""


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Limits and packs of one service instance."""

    packs: dict[str, CompiledPack]
    max_body_bytes: int = 4 * 1024 * 1024
    max_batch: int = 1000
    timeout_s: float = 30.0
    tokens: tuple[str, ...] = ()
    query_log: Path | None = None
    default_pack: str | None = field(default=None)

    def pack(self, pack_id: str | None) -> CompiledPack | None:
        """The pack asked for (or the default one when there is a single pack)."""
        if pack_id is None:
            pack_id = self.default_pack
        return None if pack_id is None else self.packs.get(pack_id)

    def token_ok(self, presented: str) -> bool:
        """Constant-time comparison against every configured token (no early exit on a match)."""
        ok = False
        for token in self.tokens:
            ok |= hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8"))
        return ok


def compile_packs(names: list[str] | None, packs_dir: Path | None) -> dict[str, CompiledPack]:
    """Compile the packs served: bundled names (all of them when neither names nor ``packs_dir`` is given) and
    every ``*.yaml`` pack of ``packs_dir`` (its ``*.cases.yaml`` are case files, not packs)."""
    selected = list(names) if names else ([] if packs_dir else bundled_pack_names())
    compiled = [load_pack(name) for name in selected]
    if packs_dir is not None:
        if not packs_dir.is_dir():
            raise ServiceConfigError(f"--packs-dir {packs_dir} is not a directory")
        files = [p for p in sorted(packs_dir.glob("*.yaml")) if not p.name.endswith(".cases.yaml")]
        compiled += [load_pack(path) for path in files]
    out: dict[str, CompiledPack] = {}
    for pack in compiled:
        if pack.id in out and out[pack.id].content_hash != pack.content_hash:
            raise ServiceConfigError(f"two different packs have the id '{pack.id}'")
        out[pack.id] = pack
    if not out:
        raise ServiceConfigError("no packs to serve")
    return out


def read_tokens(token_file: Path | None) -> tuple[str, ...]:
    """Bearer tokens from a file (one per line, ``#`` comments) and the MEDCREDIT_TOKENS variable."""
    tokens = list(_tokens(os.environ.get(TOKENS_ENV, "").replace(",", "\n")))
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ServiceConfigError(f"cannot read the token file {token_file}: {reason or exc}") from None
        from_file = _tokens(text)
        if not from_file:
            # a token file was asked for: serving without its tokens would turn authentication off unnoticed
            raise ServiceConfigError(f"the token file {token_file} holds no token (one per line, # comments)")
        tokens.extend(from_file)
    return tuple(tokens)


def _tokens(text: str) -> list[str]:
    tokens = []
    for line in text.splitlines():
        token = line.split("#", 1)[0].strip()
        if token:
            if len(token) < 16:
                raise ServiceConfigError("a bearer token must be at least 16 characters long")
            tokens.append(token)
    return tokens


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
