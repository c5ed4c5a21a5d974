"""A fake SendGrid v3 (mail send with the documented validation, limits, error bodies and fault
switches) and a simulator that posts signed Event Webhook batches and Inbound Parse replies."""

from ravensearch.sendgrid.fake.app import FakeSendGrid, create_fake_sendgrid, errors_response
from ravensearch.sendgrid.fake.scenario import fate, play
from ravensearch.sendgrid.fake.server import FakeSendGridServer, run_fake_sendgrid
from ravensearch.sendgrid.fake.simulator import EventKind, SendGridSimulator
from ravensearch.sendgrid.fake.state import FakeMessage, FakeSendGridState, Fault

__all__ = [
    "EventKind",
    "FakeMessage",
    "FakeSendGrid",
    "FakeSendGridServer",
    "FakeSendGridState",
    "Fault",
    "SendGridSimulator",
    "create_fake_sendgrid",
    "errors_response",
    "fate",
    "play",
    "run_fake_sendgrid",
]
