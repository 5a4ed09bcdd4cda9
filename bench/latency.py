"""Latency and throughput of one-to-one messages against a running local stack, end to end over real sockets.

python -m bench latency                          # starts `python -m devstack` on free ports, measures, stops it
python -m bench.latency --url http://127.0.0.1:8000 --key KEY [--pid PID]   # a stack that is already running
python -m bench.latency --history 5000           # fewer stored messages before the second CPU figure (faster)

Pairs of accounts, each side logged in over the websocket: the sender sends `openim/sendmsg` as a frame, and a
message is done when the receiver's socket gets its `c2c_msg` push. Figures:

* open loop at 20 and 50 msg/s (a send starts on schedule, at most 16 in flight; a late start is never made up), and
  one sequential sender (the next send after the last push): p50/p90/p99 of send → push, and the achieved rate;
* server CPU per message: the stack process's user + system CPU time over the phase (/proc/PID/stat; idle pollers
  included, as a server's background work is) divided by the messages of the phase;
* CPU per message at 20 msg/s over the first 1,000 messages, and again after `--history` (20,000) stored messages.

Matrix Synapse 1.163 beside it, for the comparison the issue asks for (not run here: this harness has no Matrix
driver yet; `pip install matrix-synapse==1.163.0` does install, from a binary wheel): in its own venv,
`python -m synapse.app.homeserver --generate-config -H localhost --report-stats=no -c homeserver.yaml` (SQLite, one
process; add `enable_registration_without_verification: true` and `rc_message: {per_second: 1000, burst_count:
1000}`), start it with `-c homeserver.yaml`, register 16 sender/receiver pairs, one room per pair, and drive it with
the same schedule: PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn} for a send, the receiver
long-polling /sync?timeout=30000 for its push; read the homeserver's CPU from /proc/PID/stat the same way. The
figures printed as the reference are those issue 15 measured that way on this machine: 49.5 msg/s
sustained, p50 24 ms at 20 msg/s, 19-23 ms of server CPU per message.

Timings are printed, never asserted (tests/e2e/test_bench_latency.py only runs the harness on a few messages).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import requests
from TLSSigAPIv2 import TLSSigAPIv2

INFLIGHT = 16
RATES = (20.0, 50.0)
PHASE_SECONDS = 15.0
SEQUENTIAL_MESSAGES = 200
HISTORY_WINDOW = 1000
HISTORY = 20_000
PUSH_TIMEOUT_S = 60.0

# Issue 15: Synapse 1.163 (SQLite, one process) with the same harness on the same machine.
SYNAPSE_SUSTAINED = 49.5
SYNAPSE_P50_AT_20 = 24.0
SYNAPSE_CPU_MS = (19.0, 23.0)


@dataclass(frozen=True)
class Target:
    """A running stack: its REST base (http://host:port), websocket URL, demo app and (optionally) its process id."""

    http: str
    ws: str
    sdkappid: int
    key: str
    admin: str
    pid: int | None

    def sig(self, user: str) -> str:
        return str(TLSSigAPIv2(self.sdkappid, self.key).gen_sig(user))

    def rest(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        query = {"sdkappid": self.sdkappid, "identifier": self.admin, "usersig": self.sig(self.admin)}
        url = f"{self.http}/v4/{name}?{urlencode({**query, 'random': 1, 'contenttype': 'json'})}"
        reply: dict[str, Any] = requests.post(url, data=json.dumps(body).encode(), timeout=60).json()
        if reply.get("ErrorCode") != 0:
            raise RuntimeError(f"{name}: {reply}")
        return reply

    def ws_url(self, user: str) -> str:
        query = {"sdkappid": self.sdkappid, "identifier": user, "usersig": self.sig(user), "platform": "Web"}
        return f"{self.ws}/?{urlencode(query)}"


class Cpu:
    """User + system CPU seconds of one process (Linux /proc), or None when there is no process to read."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self._tick = os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float | None:
        if self.pid is None:
            return None
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self._tick  # utime, stime (fields 14 and 15 of stat)


@dataclass
class Pair:
    sender: str
    receiver: str
    tx: aiohttp.ClientWebSocketResponse
    rx: aiohttp.ClientWebSocketResponse


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0
    cpu_s: float | None = None
    late: int = 0  # sends that started more than one interval behind schedule (16 in flight)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies_ms)
        if not xs:
            return float("nan")
        return xs[min(len(xs) - 1, max(0, round(q / 100 * len(xs)) - 1))]

    @property
    def cpu_ms_per_message(self) -> float | None:
        if self.cpu_s is None or not self.latencies_ms:
            return None
        return self.cpu_s / len(self.latencies_ms) * 1000


class Harness:
    """Pairs of logged-in sockets; `send` resolves when the receiver's socket gets the push."""

    def __init__(self, target: Target, pairs: int = INFLIGHT) -> None:
        self.target = target
        self.n_pairs = pairs
        self.pairs: list[Pair] = []
        self.cpu = Cpu(target.pid)
        self._waiting: dict[str, tuple[float, asyncio.Future[float]]] = {}
        self._seq = itertools.count(1)
        self._readers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None  # aiohttp's websocket client (already a dependency)
        self.sent = 0
        self.progress = False
        run = os.urandom(3).hex()
        self._names = [(f"bench-{run}-s{i}", f"bench-{run}-r{i}") for i in range(pairs)]

    async def open(self) -> None:
        users = [u for pair in self._names for u in pair]
        for i in range(0, len(users), 100):
            await asyncio.to_thread(
                self.target.rest, "im_open_login_svc/multiaccount_import", {"Accounts": users[i : i + 100]}
            )
        self._session = session = aiohttp.ClientSession()
        for sender, receiver in self._names:
            tx = await session.ws_connect(self.target.ws_url(sender), max_msg_size=0)
            rx = await session.ws_connect(self.target.ws_url(receiver), max_msg_size=0)
            self.pairs.append(Pair(sender, receiver, tx, rx))
            self._readers += [asyncio.create_task(self._read(tx)), asyncio.create_task(self._read(rx))]

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        for pair in self.pairs:
            await pair.tx.close()
            await pair.rx.close()
        if self._session is not None:
            await self._session.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            now = time.perf_counter()
            frame = json.loads(msg.data)
            if frame.get("event") != "c2c_msg":
                if frame.get("reqId") and frame.get("ErrorCode"):
                    print(f"  send refused: {frame.get('ErrorCode')} {frame.get('ErrorInfo')}", file=sys.stderr)
                continue
            for element in frame.get("data", {}).get("MsgBody", []):
                text = element.get("MsgContent", {}).get("Text", "")
                waiting = self._waiting.pop(text, None)
                if waiting is not None and not waiting[1].done():
                    waiting[1].set_result((now - waiting[0]) * 1000)

    async def send(self, pair: Pair) -> float:
        """One message from the pair's sender to its receiver; milliseconds from the frame sent to the push."""
        seq = next(self._seq)
        text = f"bench {seq} {pair.receiver}"
        body = {
            "To_Account": pair.receiver,
            "MsgRandom": seq,
            "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": text}}],
        }
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[text] = (time.perf_counter(), done)
        await pair.tx.send_str(json.dumps({"reqId": seq, "cmd": "openim/sendmsg", "body": body}))
        self.sent += 1
        try:
            return await asyncio.wait_for(done, PUSH_TIMEOUT_S)
        finally:
            self._waiting.pop(text, None)

    async def measured(self, name: str, run: Callable[[Phase], Awaitable[None]]) -> Phase:
        phase = await self._measured(name, run)
        if self.progress:
            print(_row(phase), flush=True)
        return phase

    async def _measured(self, name: str, run: Callable[[Phase], Awaitable[None]]) -> Phase:
        phase = Phase(name)
        cpu0, t0 = self.cpu.seconds(), time.perf_counter()
        await run(phase)
        cpu1, phase.seconds = self.cpu.seconds(), time.perf_counter() - t0
        if cpu0 is not None and cpu1 is not None:
            phase.cpu_s = cpu1 - cpu0
        return phase

    def open_loop(self, rate: float, count: int) -> Callable[[Phase], Awaitable[None]]:
        async def run(phase: Phase) -> None:
            slots = asyncio.Semaphore(INFLIGHT)
            tasks: list[asyncio.Task[None]] = []
            start = time.perf_counter()

            async def one(pair: Pair) -> None:
                try:
                    phase.latencies_ms.append(await self.send(pair))
                except TimeoutError:
                    print(f"  {phase.name}: a push never came within {PUSH_TIMEOUT_S:.0f}s", file=sys.stderr)
                finally:
                    slots.release()

            for i in range(count):
                due = start + i / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                await slots.acquire()
                if time.perf_counter() - due > 1 / rate:
                    phase.late += 1
                phase.sent += 1
                tasks.append(asyncio.create_task(one(self.pairs[i % len(self.pairs)])))
            await asyncio.gather(*tasks)

        return run

    def sequential(self, count: int) -> Callable[[Phase], Awaitable[None]]:
        async def run(phase: Phase) -> None:
            for _ in range(count):
                phase.sent += 1
                phase.latencies_ms.append(await self.send(self.pairs[0]))

        return run

    async def fill(self, total: int) -> None:
        """Store messages until `total` were sent in this run, as fast as 16 in flight go (not measured)."""
        slots = asyncio.Semaphore(INFLIGHT)
        tasks: list[asyncio.Task[None]] = []

        async def one(pair: Pair) -> None:
            try:
                await self.send(pair)
            except TimeoutError:
                pass
            finally:
                slots.release()

        i = 0
        while self.sent < total:
            await slots.acquire()
            tasks.append(asyncio.create_task(one(self.pairs[i % len(self.pairs)])))
            i += 1
        await asyncio.gather(*tasks)


@dataclass
class Report:
    phases: list[Phase]
    first: Phase | None
    later: Phase | None
    history: int


async def measure(
    target: Target,
    *,
    seconds: float = PHASE_SECONDS,
    sequential: int = SEQUENTIAL_MESSAGES,
    window: int = HISTORY_WINDOW,
    history: int = HISTORY,
    rates: tuple[float, ...] = RATES,
    progress: bool = False,
) -> Report:
    harness = Harness(target)
    await harness.open()
    harness.progress = progress
    if progress:
        print(f"  ({len(harness.pairs)} pairs logged in; phases as they end)", flush=True)
    try:
        for _ in range(3):  # warm-up: every pair's first send builds caches and clients (not measured)
            await asyncio.gather(*(harness.send(p) for p in harness.pairs))
        first = await harness.measured(f"first {window}, 20 msg/s", harness.open_loop(20.0, window)) if window else None
        phases = []
        for rate in rates:
            phases.append(
                await harness.measured(f"open loop {rate:.0f} msg/s", harness.open_loop(rate, int(rate * seconds)))
            )
        phases.append(await harness.measured("sequential, 1 sender", harness.sequential(sequential)))
        later = None
        if window and history > harness.sent:
            await harness.fill(history)
            later = await harness.measured(f"after {history:,}, 20 msg/s", harness.open_loop(20.0, window))
        return Report(phases, first, later, history)
    finally:
        await harness.close()


def _fmt_cpu(phase: Phase) -> str:
    cpu = phase.cpu_ms_per_message
    return "   n/a" if cpu is None else f"{cpu:6.1f}"


def _row(p: Phase) -> str:
    return (
        f"  {p.name:<26}{p.sent:>6}{p.rate:>8.1f}{p.pct(50):>8.1f}{p.pct(90):>8.1f}{p.pct(99):>8.1f}"
        f"{_fmt_cpu(p):>8}  {p.late}"
    )


def print_report(report: Report) -> None:
    print("One-to-one messages over the websocket, send -> receiver's push (ms); server CPU ms per message")
    print(f"  {'phase':<26}{'sent':>6}{'rate/s':>8}{'p50':>8}{'p90':>8}{'p99':>8}{'CPU':>8}  late starts")
    rows = ([report.first] if report.first else []) + report.phases + ([report.later] if report.later else [])
    for p in rows:
        print(_row(p))
    lo, hi = SYNAPSE_CPU_MS
    print(
        f"  {'Synapse 1.163 (issue 15)':<26}{'':>6}{SYNAPSE_SUSTAINED:>8.1f}{SYNAPSE_P50_AT_20:>8.1f}"
        f"{'':>8}{'':>8}{f'{lo:.0f}-{hi:.0f}':>8}  (sustained rate; p50 at 20 msg/s)"
    )
    if report.first and report.later:
        a, b = report.first.cpu_ms_per_message, report.later.cpu_ms_per_message
        if a and b:
            print(
                f"  CPU per message after {report.history:,} stored vs the first {report.first.sent:,}: {b / a:.2f} x"
            )
    sustained = max((p.rate for p in report.phases if p.name.startswith("open loop")), default=0.0)
    at20 = next((p for p in report.phases if p.name == "open loop 20 msg/s"), None)
    seq = next((p for p in report.phases if p.name.startswith("sequential")), None)
    print("  Goals (issue 15.3), Yuntong / Synapse:")
    print(f"    sustained rate >= 2x:        {sustained / SYNAPSE_SUSTAINED:.2f} x  (the best open-loop rate above)")
    if seq:
        print(f"    sequential p50 <= Synapse's: {seq.pct(50) / SYNAPSE_P50_AT_20:.2f} x")
    cpus = [c for c in (at20.cpu_ms_per_message if at20 else None,) if c]
    if cpus:
        print(f"    CPU per message <= Synapse's: {cpus[0] / hi:.2f} x of {hi:.0f} ms (at 20 msg/s)")


def launch_stack() -> Any:
    """`python -m devstack` on free ports (the e2e harness): returns the LocalStack; interrupt() stops it."""
    from tests.e2e.harness import LocalStack

    return LocalStack.launch(timeout=180.0)


def target_of(stack: Any) -> Target:
    return Target(
        http=f"http://127.0.0.1:{stack.http_port}",
        ws=stack.ws_url,
        sdkappid=stack.sdkappid,
        key=stack.key,
        admin=stack.admin,
        pid=stack.process.pid,
    )


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="REST base of a running stack, e.g. http://127.0.0.1:8000 (default: start one)")
    parser.add_argument("--ws", help="its websocket URL (default: the REST port + 1)")
    parser.add_argument("--key", help="the app's secret key (as `make run` printed it)")
    parser.add_argument("--sdkappid", type=int, default=1400000001)
    parser.add_argument("--admin", default="administrator")
    parser.add_argument("--pid", type=int, help="the stack's process id, for its CPU time")
    parser.add_argument("--seconds", type=float, default=PHASE_SECONDS, help="length of each open-loop phase")
    parser.add_argument("--sequential", type=int, default=SEQUENTIAL_MESSAGES, help="messages of the sequential sender")
    parser.add_argument("--history", type=int, default=HISTORY, help="stored messages before the second CPU figure")
    parser.add_argument("--window", type=int, default=HISTORY_WINDOW, help="messages per CPU-vs-history figure")
    args = parser.parse_args(argv)
    kwargs = {"seconds": args.seconds, "sequential": args.sequential, "history": args.history, "window": args.window}
    if args.url:
        if not args.key:
            parser.error("--url needs --key")
        parts = urlsplit(args.url)
        ws = args.ws or f"ws://{parts.hostname}:{(parts.port or 80) + 1}"
        target = Target(args.url.rstrip("/"), ws, args.sdkappid, args.key, args.admin, args.pid)
        print_report(asyncio.run(measure(target, progress=True, **kwargs)))
        return 0
    stack = launch_stack()
    try:
        print_report(asyncio.run(measure(target_of(stack), progress=True, **kwargs)))
    finally:
        stack.interrupt()
    return 0


def main() -> None:
    run([])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
