"""The fuzzing scenario of the fault suite: the schemathesis CLI over `/openapi.json` of a
real `serve` process (PostgreSQL, the fake Instantly behind it), a bounded number of
examples per operation, checking only that no answer is a 5xx.
"""

from __future__ import annotations

import asyncio
import base64
import glob
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from _faults_dispatch import start_fake
from _faults_infra import Outcome, PostgresInstance, Workspace, free_port, serve_argv, wait_http_ok

from ravensearch.db.engine import create_engine, create_sessionmaker
from ravensearch.db.session import unit_of_work
from ravensearch.tokens.service import token_service


@dataclass
class FuzzRun:
    max_examples: int
    phases: str  # schemathesis phases, comma-separated
    seed: int = 8
    timeout: float = 900.0


@dataclass
class Findings:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: dict[str, str] = field(default_factory=dict)  # request → answer
    network_errors: list[str] = field(default_factory=list)


def schemathesis_bin() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    return here if os.path.exists(here) else shutil.which("schemathesis")


async def api_token(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            return (await token_service.create(session, name="fault-suite fuzz")).plaintext
    finally:
        await engine.dispose()


async def fuzz_api(pg: PostgresInstance, ws: Workspace, run: FuzzRun) -> Outcome:
    """No 5xx from any generated request (jobs are queued, never run: a fuzzed target's
    website must not be crawled)."""
    binary = schemathesis_bin()
    if binary is None:
        return Outcome("schemathesis, no 5xx", problems=["schemathesis is not installed"])
    fake = await start_fake(ws, demo=True)
    url = await pg.fresh_database("faults_fuzz")
    token = await api_token(url)
    port = free_port()
    env = ws.env(url, instantly_url=fake.api_url, jobs_in_process=False)
    serve = ws.service("serve-fuzz", serve_argv(port), env).start()
    await wait_http_ok(f"http://127.0.0.1:{port}/healthz", service=serve)
    report_dir = os.path.join(ws.dir, "schemathesis")
    argv = [
        binary, "run", f"http://127.0.0.1:{port}/openapi.json",
        "--checks", "not_a_server_error", "--max-examples", str(run.max_examples),
        "--phases", run.phases, "--seed", str(run.seed), "--workers", "2",
        "-H", f"Authorization: Bearer {token}", "--generation-database", "none",
        "--report", "ndjson", "--report-dir", report_dir, "--no-color",
    ]  # fmt: skip
    done = await asyncio.to_thread(
        subprocess.run,
        argv, cwd=ws.dir, capture_output=True, text=True, timeout=run.timeout, check=False,
    )  # fmt: skip
    findings = read_findings(report_dir)
    problems = [f"5xx: {request} -> {answer}" for request, answer in findings.server_errors.items()]
    problems += [f"network error: {error}" for error in findings.network_errors]
    if done.returncode != 0 and not problems:
        problems.append(f"schemathesis exited {done.returncode}: {done.stdout[-500:]}")
    answers = ", ".join(f"{s}: {n:,}" for s, n in sorted(findings.statuses.items()))
    five_xx = sum(n for s, n in findings.statuses.items() if s >= 500)
    return Outcome(
        scenario="schemathesis, no 5xx",
        sent=findings.requests,
        acked=findings.requests - five_xx,
        detail=f"{run.max_examples} examples/operation, phases {run.phases}; answers {answers}",
        problems=problems,
    )


def read_findings(report_dir: str) -> Findings:
    """Every request schemathesis made, from its NDJSON event stream."""
    findings = Findings()
    for path in glob.glob(os.path.join(report_dir, "*.ndjson")):
        with open(path) as f:
            for line in f:
                event = json.loads(line)
                if "ScenarioFinished" in event:
                    _scenario(event["ScenarioFinished"], findings)
                elif "NonFatalError" in event:
                    error = event["NonFatalError"]
                    findings.network_errors.append(
                        f"{error.get('label')}: {error['value'].get('message', '')[:200]}"
                    )
    return findings


def _scenario(scenario: dict[str, Any], findings: Findings) -> None:
    for interaction in (scenario["recorder"].get("interactions") or {}).values():
        response = interaction.get("response")
        if response is None:
            continue
        findings.requests += 1
        status = int(response["status_code"])
        findings.statuses[status] += 1
        if status >= 500:
            request = interaction["request"]
            content = response.get("content") or {}
            body = base64.b64decode(content.get("$base64", "")).decode(errors="replace")
            findings.server_errors[f"{request['method']} {request['uri']}"] = (
                f"{status} {body[:160]}"
            )
