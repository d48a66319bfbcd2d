"""`make bench`: Backstop and a stock `rasa init` bot, measured side by side in one run.

Prints (and writes to results/bench.txt) per-message latency p50/p95/p99 for 1 and
20 concurrent conversations through the REST webhook, throughput, server RSS,
model load time, train time, and the in-process floor (NLU parse + policy
prediction, no HTTP), with the Backstop/stock and end-to-end/floor ratios.
Figures are measurements for the closing note, never assertions.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers import Backstop, http, wait_for  # noqa: E402

RASA = str(ROOT / ".venv" / "bin" / "rasa")
BACKSTOP_SCRIPT = [
    "hi", "my lower back aches on both sides after deadlifts yesterday", "no it stays in my back", "no",
    "none of these", "about 2 days", "about the same", "3", "I'm 30", "what is DOMS?",
    "should I use ice or heat?", "how do I deadlift without hurting my back", "thanks", "bye",
]
STOCK_SCRIPT = ["hello", "I am sad", "yes", "great", "are you a bot?", "very good", "bye", "hi", "I'm unhappy",
                "no", "goodbye", "hey", "perfect", "see you"]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc (MB)."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[k]


def run_load(url: str | list[str], script: list[str], users: int, conversations_per_user: int) -> dict[str, float]:
    """Each user runs whole conversations; with several URLs, user i talks to URL i mod n."""
    urls = [url] if isinstance(url, str) else url
    latencies: list[float] = []
    lock = threading.Lock()
    errors = 0

    def user(url: str) -> None:
        nonlocal errors
        for _ in range(conversations_per_user):
            sender = f"bench-{uuid.uuid4().hex}"
            for message in script:
                start = time.perf_counter()
                status, _ = http("POST", f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += status != 200

    threads = [threading.Thread(target=user, args=(urls[i % len(urls)],)) for i in range(users)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "throughput": len(latencies) / wall, "messages": len(latencies), "errors": errors}


def floor_ms(model: Path, script: list[str], repeats: int = 5) -> float:
    """Median in-process cost of one message: NLU parse + next-action prediction, no HTTP, no actions."""
    code = f"""
import asyncio, statistics, time
from rasa.core.agent import Agent
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
agent = Agent.load({str(model)!r})
async def main():
    times = []
    for _ in range({repeats}):
        tracker = DialogueStateTracker.from_events("bench", [], agent.domain.slots)
        for text in {script!r}:
            t0 = time.perf_counter()
            parse = await agent.parse_message(text)
            tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse))
            agent.processor._predict_next_with_tracker(tracker)
            times.append((time.perf_counter() - t0) * 1000)
    print(statistics.median(times))
asyncio.run(main())
"""
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", code], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"})
    return float(out.stdout.strip().splitlines()[-1])


def train_stock(workdir: Path) -> tuple[Path, float]:
    start = time.perf_counter()
    subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(workdir)], cwd=workdir, check=True,
                   capture_output=True)
    seconds = time.perf_counter() - start
    return next((workdir / "models").glob("*.tar.gz")), seconds


def train_backstop(workdir: Path) -> float:
    """Train from scratch (no Rasa cache) in a copy of the project."""
    copy = workdir / "backstop"
    copy.mkdir()
    for name in ("config.yml", "domain.yml", "data", "components", "backstop", "knowledge"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, copy / name)
    start = time.perf_counter()
    subprocess.run([RASA, "train", "--out", "models", "--quiet"], cwd=copy, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(copy), "TF_CPP_MIN_LOG_LEVEL": "3"})
    return time.perf_counter() - start


def start_stock(workdir: Path, model: Path, port: int) -> tuple[subprocess.Popen, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([RASA, "run", "-m", str(model), "--enable-api", "--port", str(port)], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(f"http://127.0.0.1:{port}/", 240, proc)
    return proc, time.perf_counter() - start


def measure(url: str | list[str], script: list[str], pids: list[int], quick: bool) -> dict[str, dict[str, float]]:
    for one in [url] if isinstance(url, str) else url:
        run_load(one, script, 1, 1)  # warm up
    single = run_load(url, script, 1, 3 if quick else 8)
    multi = run_load(url, script, 20, 1 if quick else 3)
    return {"1 user": single, "20 users": multi, "rss": {"mb": sum(rss_mb(pid) for pid in pids)}}


SERVICES = ROOT / "scripts" / "services.sh"


def measure_scaled(tmpdir: Path, quick: bool) -> dict[str, dict[str, float]] | None:
    """The scale-out profile on this machine: two Rasa instances, PostgreSQL, Redis, one action server.

    Users are spread over the two instances (as nginx would); returns None when PostgreSQL or
    Redis are not installed (scripts/system-deps.sh installs them).
    """
    if not shutil.which("redis-server") or not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        print("scale-out profile not measured: PostgreSQL/Redis not installed (scripts/system-deps.sh)")
        return None
    env = {**os.environ, "BACKSTOP_SERVICES_DIR": str(ROOT / "var" / "bench-scale"), "BACKSTOP_PG_PORT": "5436",
           "BACKSTOP_PG_DB": "backstop_bench", "BACKSTOP_REDIS_PORT": "6382",
           "BACKSTOP_ACTION_URL": "http://127.0.0.1:5556/webhook"}
    subprocess.run([str(SERVICES), "stop"], env=env, capture_output=True)
    shutil.rmtree(ROOT / "var" / "bench-scale", ignore_errors=True)
    subprocess.run([str(SERVICES), "start"], env=env, check=True, capture_output=True)
    exported = subprocess.run([str(SERVICES), "env"], env=env, check=True, capture_output=True, text=True).stdout
    variables = dict(shlex.split(line)[1].split("=", 1) for line in exported.splitlines())
    servers = [Backstop(tmpdir / f"scaled-{i}", rasa_port=5506 + i, action_port=5556, env=variables,
                        endpoints=str(ROOT / "endpoints.scaled.yml")) for i in range(2)]
    try:
        for server in servers:
            server.workdir.mkdir()
        servers[0].start_actions()
        for server in servers:
            server.start_rasa()
        return measure([s.url for s in servers], BACKSTOP_SCRIPT, [s.rasa.pid for s in servers], quick)
    finally:
        for server in servers:
            server.stop()
        subprocess.run([str(SERVICES), "stop"], env=env, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer conversations; skip the from-scratch train")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        stock_dir = tmpdir / "stock"
        stock_dir.mkdir()
        print("training the stock rasa init bot...", flush=True)
        stock_model, stock_train = train_stock(stock_dir)
        backstop_train = float("nan") if args.quick else train_backstop(tmpdir)

        print("measuring Backstop...", flush=True)
        bot = Backstop(tmpdir, rasa_port=5505, action_port=5555)
        bot.start_actions()
        t0 = time.perf_counter()
        bot.start_rasa()
        backstop_load = time.perf_counter() - t0
        results["backstop"] = measure(bot.url, BACKSTOP_SCRIPT, [bot.rasa.pid], args.quick)
        bot.stop()

        print("measuring the stock bot...", flush=True)
        proc, stock_load = start_stock(stock_dir, stock_model, 5605)
        results["stock"] = measure("http://127.0.0.1:5605", STOCK_SCRIPT, [proc.pid], args.quick)
        proc.terminate()
        proc.wait()
        print("measuring the scale-out profile (2 instances)...", flush=True)
        scaled = measure_scaled(tmpdir, args.quick)
        backstop_floor = floor_ms(ROOT / "models" / "backstop.tar.gz", BACKSTOP_SCRIPT)
        stock_floor = floor_ms(stock_model, STOCK_SCRIPT)

    b, s = results["backstop"], results["stock"]
    rows = [
        ("p50 ms, 1 user", b["1 user"]["p50"], s["1 user"]["p50"]),
        ("p95 ms, 1 user", b["1 user"]["p95"], s["1 user"]["p95"]),
        ("p99 ms, 1 user", b["1 user"]["p99"], s["1 user"]["p99"]),
        ("p50 ms, 20 users", b["20 users"]["p50"], s["20 users"]["p50"]),
        ("p95 ms, 20 users", b["20 users"]["p95"], s["20 users"]["p95"]),
        ("p99 ms, 20 users", b["20 users"]["p99"], s["20 users"]["p99"]),
        ("msgs/s, 1 user", b["1 user"]["throughput"], s["1 user"]["throughput"]),
        ("msgs/s, 20 users", b["20 users"]["throughput"], s["20 users"]["throughput"]),
        ("server RSS MB", b["rss"]["mb"], s["rss"]["mb"]),
        ("model load s", backstop_load, stock_load),
        ("train s (no cache)", backstop_train, stock_train),
        ("floor ms/msg", backstop_floor, stock_floor),
    ]
    lines = [f"{'measure':<22} {'backstop':>10} {'stock':>10} {'ratio':>7}"]
    for name, bv, sv in rows:
        ratio = bv / sv if sv else float("nan")
        lines.append(f"{name:<22} {bv:>10.1f} {sv:>10.1f} {ratio:>7.2f}")
    lines.append(f"end-to-end/floor (p50, 1 user): backstop {b['1 user']['p50'] / backstop_floor:.2f}, "
                 f"stock {s['1 user']['p50'] / stock_floor:.2f}")
    lines.append(f"errors: backstop {b['1 user']['errors'] + b['20 users']['errors']}, "
                 f"stock {s['1 user']['errors'] + s['20 users']['errors']}; "
                 f"messages: backstop {b['1 user']['messages'] + b['20 users']['messages']}, "
                 f"stock {s['1 user']['messages'] + s['20 users']['messages']}")
    if scaled is not None:
        lines += ["", "scale-out profile: 2 Rasa instances + PostgreSQL + Redis + 1 action server, same 2 cores",
                  f"{'measure':<22} {'2 inst.':>10} {'stock':>10} {'ratio':>7}"]
        for name, key, stat in (("p50 ms, 1 user", "1 user", "p50"), ("p50 ms, 20 users", "20 users", "p50"),
                                ("p95 ms, 20 users", "20 users", "p95"), ("p99 ms, 20 users", "20 users", "p99"),
                                ("msgs/s, 20 users", "20 users", "throughput")):
            lines.append(f"{name:<22} {scaled[key][stat]:>10.1f} {s[key][stat]:>10.1f} "
                         f"{scaled[key][stat] / s[key][stat]:>7.2f}")
        lines.append(f"{'server RSS MB (both)':<22} {scaled['rss']['mb']:>10.1f} {s['rss']['mb']:>10.1f} "
                     f"{scaled['rss']['mb'] / s['rss']['mb']:>7.2f}")
        lines.append(f"errors: {scaled['1 user']['errors'] + scaled['20 users']['errors']} in "
                     f"{scaled['1 user']['messages'] + scaled['20 users']['messages']} messages")
    report = "\n".join(lines)
    print(report)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench.txt").write_text(report + "\n")


if __name__ == "__main__":
    main()
