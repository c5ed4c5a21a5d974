"""SendGrid sequences: send what is due now, re-send an email a person checked."""

from __future__ import annotations

import typer

from ravensearch.cli.common import console, fail, resolve_ids, run_with_runtime
from ravensearch.db.models import Campaign, EmailSend
from ravensearch.db.session import unit_of_work
from ravensearch.runtime import Runtime, SendGridNotConfigured
from ravensearch.sequences.sender import SendReport, send_due
from ravensearch.sequences.service import sequence_service

app = typer.Typer(help="SendGrid sequences: sending and re-sending.", no_args_is_help=True)


@app.command("send-due")
def send_due_command() -> None:
    """Send every due step now (inside each campaign's window, under its cap), once."""

    async def _work(runtime: Runtime) -> SendReport:
        try:
            sender = runtime.sendgrid()
        except SendGridNotConfigured as exc:
            raise fail(str(exc)) from None
        return await send_due(runtime.sessionmaker, sender, runtime.settings)

    report = run_with_runtime(_work)
    console.print(
        f"{report.sent} sent in {len(report.batches)} request(s), {report.failed} failed, "
        f"{report.requeued} to retry, {report.uncertain} uncertain, {report.stopped} "
        f"sequence(s) stopped (suppressed), {report.cut_off} cut off earlier now uncertain."
    )
    if report.halted:
        raise fail(report.halted) if report.auth_failed else typer.Exit(0)


@app.command("resend")
def resend(
    campaign: str = typer.Argument(..., help="Campaign id, or its first characters."),
    send_id: str = typer.Argument(..., help="The email's id (`GET …/sends?state=uncertain`)."),
) -> None:
    """Queue an uncertain or failed email again (you checked it did not arrive); audited."""

    async def _work(runtime: Runtime) -> EmailSend:
        [campaign_id] = await resolve_ids(runtime, Campaign.id, [campaign], noun="campaign")
        [email_id] = await resolve_ids(runtime, EmailSend.id, [send_id], noun="email")
        async with unit_of_work(runtime.sessionmaker) as session:
            return await sequence_service.resend(
                session, campaign_id=campaign_id, send_id=email_id, user=None, actor="the CLI"
            )

    send = run_with_runtime(_work)
    console.print(
        f"Email {send.id} (step {send.step}) queued again; the next run sends it.",
        highlight=False,
    )
