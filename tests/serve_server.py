"""A real ``medcredit serve`` subprocess on a free loopback port, shared by the service tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

#: limits the server under test is started with (small, so the tests can cross them cheaply)
MAX_BATCH = 50
MAX_BODY = 300_000


@dataclass(frozen=True)
class Server:
    url: str
    query_log: Path
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start the service once for the session; wait (bounded number of polls) for /healthz."""
    tmp = tmp_path_factory.mktemp("serve")
    log = tmp / "queries.sqlite"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "MEDCREDIT_TOKENS"}
    limits = ["--max-batch", str(MAX_BATCH), "--max-body", str(MAX_BODY)]
    process = subprocess.Popen(
        [sys.executable, "-m", "medcredit", "serve", "--port", str(port), "--query-log", str(log), *limits],
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "server.err").open("wb"),
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # polls, not a duration: the server starts in a few seconds
            if process.poll() is not None:
                raise RuntimeError((tmp / "server.err").read_text(encoding="utf-8"))
            try:
                if httpx.get(url + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the service did not answer /healthz")
        yield Server(url, log, process)
    finally:
        process.terminate()
        process.wait(timeout=30)
