"""The SendGrid adapter alone: emails per second through `SendGridClient.send` against the fake
SendGrid over a real socket with 100 ms latency per call, and events signed per second by
the simulator (the cost SendGrid's side adds to the intake benchmark).

    .venv/bin/python benchmarks/sendgrid_adapter.py
    .venv/bin/python benchmarks/sendgrid_adapter.py --emails 20000 --batch 1000 --concurrency 4

Each batch is one request of `--batch` personalizations (each with its own subject,
substitutions, Message-ID and custom_args, as the sending job builds them); `--concurrency`
requests are in flight at once. The fake validates and renders every recipient, so its
CPU share is in the figure too (client and fake share this process's 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from ravensearch.logging import configure_logging
from ravensearch.sendgrid.client import SendGridClient
from ravensearch.sendgrid.fake import FakeSendGridServer, SendGridSimulator, create_fake_sendgrid
from ravensearch.sendgrid.mail import Address, MailBatch, Personalization

API_KEY = "SG.bench-key"


def _batch(start: int, size: int) -> MailBatch:
    people = [
        Personalization(
            to=Address(f"owner{n}@shop{n}.example", "Pat Lee"),
            subject=f"Plumbing work near Austin, Pat? ({n})",
            substitutions={"-first_name-": "Pat", "-business_name-": f"Shop {n}"},
            headers={
                "Message-ID": f"<d{n}.s1@mail.ravensearch.example>",
                "List-Unsubscribe": f"<https://ravensearch.example/unsubscribe/t{n}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            custom_args={"dispatch_id": f"d-{n}", "step": "1", "campaign_id": "c-1"},
        )
        for n in range(start, start + size)
    ]
    return MailBatch(
        sender=Address("dana@crew-hiring.example", "Dana"),
        personalizations=people,
        text="Hi -first_name-, is -business_name- hiring? 123 Main St, Austin TX",
        html="<p>Hi -first_name-, is -business_name- hiring?</p><p>123 Main St</p>",
        reply_to=Address("replies@crew-hiring.example"),
    )


async def _send_all(base_url: str, emails: int, batch: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    async with SendGridClient(api_key=API_KEY, base_url=base_url, timeout=60) as client:

        async def one(start: int) -> None:
            async with gate:
                await client.send(_batch(start, min(batch, emails - start)))

        started = time.perf_counter()
        await asyncio.gather(*(one(start) for start in range(0, emails, batch)))
        return time.perf_counter() - started


async def _sign_events(server: FakeSendGridServer, count: int) -> float:
    simulator = SendGridSimulator(base_url="http://127.0.0.1:9")  # signs only, posts nothing
    messages = server.fake.messages[:count]
    started = time.perf_counter()
    for start in range(0, len(messages), 100):
        events = simulator.events_for(messages[start : start + 100], ["delivered"])
        simulator.sign(json.dumps(events).encode())
    elapsed = time.perf_counter() - started
    await simulator.aclose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    configure_logging("WARNING")
    fake = create_fake_sendgrid(api_key=API_KEY, latency_seconds=args.latency_ms / 1000)
    with FakeSendGridServer(fake) as server:
        elapsed = asyncio.run(_send_all(server.base_url, args.emails, args.batch, args.concurrency))
        assert len(fake.messages) == args.emails, "every email must have been accepted once"
        print(
            f"send: {args.emails} emails in batches of {args.batch}, {args.concurrency} in "
            f"flight, {args.latency_ms:g} ms latency: {elapsed:.2f} s = "
            f"{args.emails / elapsed:,.0f} emails/s ({len(fake.state.request_log)} requests)"
        )
        signed = min(args.emails, 10_000)
        sign_elapsed = asyncio.run(_sign_events(server, signed))
        print(
            f"simulator: {signed} delivered events signed in batches of 100: "
            f"{signed / sign_elapsed:,.0f} events/s"
        )


if __name__ == "__main__":
    main()
