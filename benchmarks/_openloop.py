"""The open-loop phase of `benchmarks/webhooks.py`: events offered at a fixed rate from Python.

wrk (in Debian) only runs closed loops, and wrk2 (which paces requests) is not packaged. This
generator offers `rate` requests per second on a schedule over keep-alive connections and
counts each latency from the request's *due* time, so a server that falls behind cannot hide
its queueing (no coordinated omission). Python is precise enough at the rates webhooks arrive
in production (hundreds per second); above ~2,000/s it would measure itself.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from _common import percentile
from _webhook_events import SECRET, EventFactory

OPEN_LOOP_GRACE = 5.0  # s after the last due time before unanswered requests are given up


@dataclass
class OpenLoopStats:
    label: str
    offered_rate: float
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    duplicates_acked: int = 0
    errors: int = 0
    censored: int = 0  # given up at the deadline: their latency is a lower bound

    @property
    def count(self) -> int:
        return len(self.latencies) - self.censored

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    def censor(self, waited: float) -> None:
        self.latencies.append(waited)
        self.censored += 1

    def ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000.0

    def record(self, status: int, body: bytes, latency: float) -> None:
        self.latencies.append(latency)
        self.statuses[status] += 1
        if b'"duplicate":true' in body:
            self.duplicates_acked += 1


class RequestStream:
    """HTTP/1.1 request bytes for one path, pre-built so the load loop only writes them."""

    def __init__(self, factory: EventFactory, port: int, path: str) -> None:
        self.factory = factory
        self.prefix = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"X-Webhook-Secret: {SECRET}\r\nContent-Type: application/json\r\n"
            "User-Agent: Instantly-Webhooks-Bench\r\n"
        ).encode()
        self.ready: deque[tuple[bytes, bool]] = deque()
        self.redeliveries_sent = 0

    def build(self, body: bytes) -> bytes:
        return self.prefix + b"Content-Length: %d\r\n\r\n" % len(body) + body

    def _make(self) -> tuple[bytes, bool]:
        before = self.factory.duplicates
        body = self.factory.body()
        return self.build(body), self.factory.duplicates != before

    def prepare(self, count: int) -> None:
        make, append = self._make, self.ready.append
        for _ in range(count):
            append(make())

    def next(self) -> bytes:
        data, redelivery = self.ready.popleft() if self.ready else self._make()
        self.redeliveries_sent += redelivery
        return data


# --- a small keep-alive HTTP/1.1 client -----------------------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive connection, one request in flight; responses framed by Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        waiter = self.waiter
        if waiter is None:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        length = 0
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop >= 0 else len(head)])
        total = end + 4 + length
        if len(self.buffer) < total:
            return
        status = int(head[9:12])
        body = bytes(self.buffer[end + 4 : total])
        del self.buffer[:total]
        self.waiter = None
        if not waiter.done():
            waiter.set_result((status, body))

    def connection_lost(self, exc: Exception | None) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        assert self.waiter is None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect_all(port: int, count: int) -> list[Connection]:
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(count):
        _, proto = await loop.create_connection(Connection, "127.0.0.1", port)
        conns.append(proto)
    return conns


async def open_loop(
    label: str,
    port: int,
    stream: RequestStream,
    *,
    connections: int,
    rate: float,
    warmup: float,
    seconds: float,
    grace: float = OPEN_LOOP_GRACE,
) -> OpenLoopStats:
    """Requests are due every 1/rate s whatever the server does; latency is measured from
    the due time, so time spent waiting for a free connection counts.

    Bounded: `grace` s after the last due time, requests not answered (or never sent for
    want of a free connection) are given up and counted as censored, with the time they
    had waited by then as their latency (a lower bound)."""
    stats = OpenLoopStats(label, offered_rate=rate)
    conns = await connect_all(port, connections)
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for conn in conns:
        idle.put_nowait(conn)
    total = int(rate * (warmup + seconds))
    first_measured = int(rate * warmup)
    in_flight: dict[asyncio.Task[None], float] = {}
    clock = time.perf_counter

    async def one(conn: Connection, data: bytes, due: float, measured: bool) -> None:
        try:
            status, body = await conn.request(data)
        except ConnectionError:
            stats.errors += 1
            return
        if measured:
            stats.record(status, body, clock() - due)
        idle.put_nowait(conn)

    start = clock() + 0.05
    deadline = start + total / rate + grace
    measure_from = start + first_measured / rate
    sent = 0
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            conn = await asyncio.wait_for(idle.get(), timeout=max(0.0, deadline - clock()))
        except TimeoutError:
            break
        measured = i >= first_measured
        task = asyncio.create_task(one(conn, stream.next(), due, measured))
        if measured:
            in_flight[task] = due
            task.add_done_callback(lambda t: in_flight.pop(t, None))
        sent = i + 1
    if in_flight:
        await asyncio.wait(list(in_flight), timeout=max(0.0, deadline - clock()))
    now = clock()
    for task, due in list(in_flight.items()):
        task.cancel()
        stats.censor(now - due)
    for i in range(max(sent, first_measured), total):
        stats.censor(max(0.0, now - (start + i / rate)))
    stats.seconds = min(now, deadline) - measure_from
    for conn in conns:
        conn.close()
    return stats
