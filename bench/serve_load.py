"""Load benchmark of ``medcredit serve`` (not a test): concurrent clients against a local server.

    python bench/serve_load.py --clients 8 --seconds 10 --batch 100

Starts ``medcredit serve --pack wushan`` on a free loopback port, then for each scenario
runs N concurrent clients (asyncio + httpx) for a bounded time and reports requests/s,
p50/p99 latency and errors (any non-200 answer or transport error):

* single-subject ``POST /v1/evaluate`` with the full trace, and with ``trace=none``;
* batches of ``--batch`` subjects with ``trace=none`` (reported as subjects/s).

Each figure is set against in-process evaluation measured in the same run on the same
subjects (validate + evaluate + JSON, one thread), so the ratio shows what HTTP costs.
Clients and server share the machine: on 2 cores the clients take part of the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

from medcredit.engine.evaluation import evaluate
from medcredit.history.model import Subject
from medcredit.pack.loader import load_pack
from medcredit.render.output import result_to_dict, to_json


@dataclass
class Outcome:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    subjects_per_request: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def subjects_per_s(self) -> float:
        return self.rps * self.subjects_per_request

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def in_process(subjects: list[dict[str, Any]], trace: bool, seconds: float) -> float:
    """Subjects/s in one thread: validate, evaluate and render JSON, as the server does."""
    pack = load_pack("wushan")
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for data in subjects:
            result = evaluate(pack, Subject.model_validate(data), 2023, trace=trace)
            json.dumps(result_to_dict(result, pack, trace=False)) if not trace else to_json(result, pack)
            done += 1
    return done / (time.perf_counter() - start)


async def run_clients(
    url: str, bodies: list[bytes], params: dict[str, Any], clients: int, seconds: float, name: str, per: int
) -> Outcome:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal errors
        i = k
        async with httpx.AsyncClient(timeout=60) as http:
            while time.perf_counter() < stop:
                body = bodies[i % len(bodies)]
                i += clients
                t0 = time.perf_counter()
                try:
                    r = await http.post(url, params=params, content=body, headers={"content-type": "application/json"})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - t0)
                errors += not ok

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return Outcome(name, len(latencies), errors, time.perf_counter() - t0, latencies, per)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario")
    parser.add_argument("--batch", type=int, default=100, help="subjects per batch request")
    parser.add_argument("--subjects", type=int, default=2000, help="distinct generated subjects")
    args = parser.parse_args(argv)

    subjects = [json.loads(line) for line in generate(args.subjects, 1)]
    singles = [json.dumps(s, ensure_ascii=False).encode("utf-8") for s in subjects]
    batches = [
        json.dumps({"subjects": subjects[i : i + args.batch]}, ensure_ascii=False).encode("utf-8")
        for i in range(0, len(subjects) - args.batch + 1, args.batch)
    ]
    base_trace = in_process(subjects, True, args.seconds)
    base_none = in_process(subjects, False, args.seconds)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        options = ["--query-log", os.path.join(tmp, "q.sqlite"), "--max-batch", str(max(args.batch, 1000))]
        server = subprocess.Popen(
            [sys.executable, "-m", "medcredit", "serve", "--pack", "wushan", "--port", str(port), *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(url + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            evaluate_url = url + "/v1/evaluate"
            scenarios = [
                ("single, trace=full", singles, {"cycle": 2023, "trace": "full"}, 1, base_trace),
                ("single, trace=none", singles, {"cycle": 2023, "trace": "none"}, 1, base_none),
                (
                    f"batch of {args.batch}, trace=none",
                    batches,
                    {"cycle": 2023, "trace": "none"},
                    args.batch,
                    base_none,
                ),
            ]
            rows = []
            for name, bodies, params, per, base in scenarios:
                out = asyncio.run(run_clients(evaluate_url, bodies, params, args.clients, args.seconds, name, per))
                rows.append((out, base))
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"# medcredit serve load: {args.clients} clients, {args.seconds:g} s per scenario, {os.cpu_count()} CPUs\n")
    print(f"in process (one thread): {base_trace:,.0f} subjects/s with trace, {base_none:,.0f} without\n")
    print("| scenario | requests | errors | requests/s | subjects/s | p50 ms | p99 ms | vs in-process |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for out, base in rows:
        print(
            f"| {out.name} | {out.requests} | {out.errors} | {out.rps:,.1f} | {out.subjects_per_s:,.0f} "
            f"| {out.pct(0.5):.1f} | {out.pct(0.99):.1f} | {out.subjects_per_s / base:.2f}× |"
        )
    return 1 if any(out.errors for out, _ in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
