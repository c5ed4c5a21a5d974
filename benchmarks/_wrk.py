"""Load from `wrk` (a compiled HTTP load generator): the Lua script that replays a file of
webhook bodies, the command, and the parsing of what it prints.

A generator written in Python tops out near the rates the endpoints reach (it needs about as
much CPU per request as the server), so it measured itself; wrk spends a fraction of that.

Each wrk thread sends the lines `i ≡ thread (mod threads)` of the bodies file, in order, one
body per request, cycling if it runs out (`wraps` > 0 then: everything after is a
redelivery, and the report says so). Its `response()` counts 2xx answers and those that
say `"duplicate":true`, so the benchmark can compare what was acknowledged with what the
database holds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

WRK_INSTALL_HINT = (
    "wrk not found: the webhook benchmark needs this compiled load generator. "
    "Install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)."
)

# Every script's threads count into the globals `sent`, `ok`, `duplicates`, `refused` and
# `wraps`; these two parts collect them and print what `parse_wrk` reads.
LUA_THREADS = r"""
local next_id = 0
local threads = {}

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
"""
LUA_REPORT = r"""
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("RSBENCH sent=%d ok=%d duplicates=%d refused=%d wraps=%d\n",
      t:get("sent"), t:get("ok"), t:get("duplicates"), t:get("refused"), t:get("wraps")))
  end
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("RSBENCH_P %g %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("RSBENCH_MAX %d\n", latency.max))
end
"""

LUA_SCRIPT = (
    LUA_THREADS
    + r"""
function init(args)
  local path, count, secret = args[1], tonumber(args[2]), args[3]
  bodies = {}
  local line_no = 0
  for line in io.lines(path) do
    if line_no % count == id then bodies[#bodies + 1] = line end
    line_no = line_no + 1
  end
  head = "POST " .. wrk.path .. " HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port ..
    "\r\nX-Webhook-Secret: " .. secret ..
    "\r\nContent-Type: application/json\r\nUser-Agent: Instantly-Webhooks-Bench" ..
    "\r\nContent-Length: "
  at, sent, wraps, ok, duplicates, refused = 0, 0, 0, 0, 0, 0
end

function request()
  at = at + 1
  if at > #bodies then at, wraps = 1, wraps + 1 end
  sent = sent + 1
  local body = bodies[at]
  return head .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if body and string.find(body, '"duplicate":true', 1, true) then
      duplicates = duplicates + 1
    end
  else
    refused = refused + 1
  end
end

"""
    + LUA_REPORT
)


def wrk_binary() -> str:
    """The path of wrk, or SystemExit with how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(WRK_INSTALL_HINT)
    return found


@dataclass
class WrkResult:
    """One wrk run: counts from the Lua script, latency percentiles (ms) from wrk."""

    seconds: float
    completed: int  # responses wrk counted, whatever their status
    sent: int = 0
    ok: int = 0  # 2xx
    duplicates: int = 0  # 2xx saying the event was a redelivery
    refused: int = 0  # non-2xx
    wraps: int = 0  # times a thread went back to the first body
    socket_errors: int = 0
    percentiles: dict[float, float] | None = None
    max_ms: float = float("nan")
    output: str = ""

    @property
    def rate(self) -> float:
        """Answered requests per second (2xx or not; `refused` says how many were not)."""
        return self.completed / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        return (self.percentiles or {}).get(q, float("nan"))


def run_wrk(
    url: str,
    bodies_path: str,
    *,
    secret: str,
    connections: int,
    seconds: float,
    threads: int,
    script_dir: str,
) -> WrkResult:
    script = os.path.join(script_dir, "webhooks.lua")
    if not os.path.exists(script):
        with open(script, "w") as f:
            f.write(LUA_SCRIPT)
    command = [
        *(wrk_binary(), "--latency", "--timeout", "10s"),
        *("-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"),
        *("-s", script, url, "--", bodies_path, str(threads), secret),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[:500]}")
    return parse_wrk(done.stdout)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Read wrk's summary and the lines the Lua `done()` wrote (latencies there are in µs)."""
    found = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", output)
    if found is None:
        raise RuntimeError(f"unexpected wrk output:\n{output[:1000]}")
    seconds = float(found[2]) * _UNITS_MS[found[3]] / 1000.0
    result = WrkResult(seconds=seconds, completed=int(found[1]), output=output)
    for line in re.findall(r"^RSBENCH (.*)$", output, re.MULTILINE):
        fields = dict(item.split("=") for item in line.split())
        for name in ("sent", "ok", "duplicates", "refused", "wraps"):
            setattr(result, name, getattr(result, name) + int(fields[name]))
    result.percentiles = {
        float(q): int(us) / 1000.0
        for q, us in re.findall(r"^RSBENCH_P (\S+) (\d+)$", output, re.MULTILINE)
    }
    top = re.search(r"^RSBENCH_MAX (\d+)$", output, re.MULTILINE)
    if top is not None:
        result.max_ms = int(top[1]) / 1000.0
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if errors is not None:
        result.socket_errors = sum(int(n) for n in errors.groups())
    return result
