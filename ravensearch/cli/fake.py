from __future__ import annotations

import typer

from ravensearch.instantly.fake.server import run_fake_instantly
from ravensearch.sendgrid.fake.server import run_fake_sendgrid


def fake_instantly(
    port: int = typer.Option(8765, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    api_key: str = typer.Option("", help="Only accept this key (default: accept any)."),
    demo: bool = typer.Option(True, help="Seed the demo campaigns."),
) -> None:
    """Run the fake Instantly API v2 alone (for demos, browser tests, and trying the client)."""
    run_fake_instantly(host, port, demo=demo, api_key=api_key or None)


def fake_sendgrid(
    port: int = typer.Option(8766, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    api_key: str = typer.Option("", help="Only accept this key (default: accept any)."),
    latency_ms: float = typer.Option(0.0, min=0, help="Delay every answer (benchmarks)."),
) -> None:
    """Run the fake SendGrid v3 mail send alone (for demos, benchmarks, and trying the client)."""
    run_fake_sendgrid(host, port, api_key=api_key or None, latency_seconds=latency_ms / 1000)
