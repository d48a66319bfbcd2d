"""`make soak`: many conversations for a while against real servers; memory and errors over time.

Prints server RSS every interval, the error count and the growth from the first
to the last quarter of the run (results/soak.txt). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench import BACKSTOP_SCRIPT, rss_mb  # noqa: E402
from tests.servers import Backstop, http  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--interval", type=float, default=30)
    args = parser.parse_args()
    stop = time.time() + args.seconds
    counts = {"messages": 0, "errors": 0, "conversations": 0}
    lock = threading.Lock()

    with tempfile.TemporaryDirectory() as tmp:
        bot = Backstop(Path(tmp), rasa_port=5705, action_port=5755).start()

        def user() -> None:
            while time.time() < stop:
                sender = f"soak-{uuid.uuid4().hex}"
                for message in BACKSTOP_SCRIPT:
                    status, body = http("POST", f"{bot.url}/webhooks/rest/webhook",
                                        {"sender": sender, "message": message})
                    with lock:
                        counts["messages"] += 1
                        counts["errors"] += status != 200 or not body
                with lock:
                    counts["conversations"] += 1

        threads = [threading.Thread(target=user) for _ in range(args.users)]
        for t in threads:
            t.start()
        samples = []
        start = time.time()
        while any(t.is_alive() for t in threads):
            time.sleep(args.interval)
            samples.append((time.time() - start, rss_mb(bot.rasa.pid), rss_mb(bot.actions.pid)))
            print(f"t={samples[-1][0]:6.0f}s rasa RSS {samples[-1][1]:7.1f} MB  actions RSS "
                  f"{samples[-1][2]:6.1f} MB  messages {counts['messages']}  errors {counts['errors']}", flush=True)
        for t in threads:
            t.join()
        bot.stop()

    quarter = max(1, len(samples) // 4)
    early = sum(s[1] for s in samples[:quarter]) / quarter
    late = sum(s[1] for s in samples[-quarter:]) / quarter
    report = (f"soak: {args.seconds:.0f}s, {args.users} users, {counts['conversations']} conversations, "
              f"{counts['messages']} messages, {counts['errors']} errors; rasa RSS first quarter "
              f"{early:.0f} MB, last quarter {late:.0f} MB ({late - early:+.0f} MB)")
    print(report)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "soak.txt").write_text(report + "\n")


if __name__ == "__main__":
    main()
