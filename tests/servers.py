"""Start the real action server and Rasa server for end-to-end tests, and talk to them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "backstop.tar.gz"
VENV_BIN = ROOT / ".venv" / "bin"


def http(method: str, url: str, body: Any = None, raw: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, Any]:
    """(status, parsed JSON or text) for one HTTP request; never raises on 4xx/5xx."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, payload = err.code, err.read()
    text = payload.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


def wait_for(url: str, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {seconds}s")


class Backstop:
    """An action server plus a Rasa server on test ports, with a tracker store in ``workdir``."""

    def __init__(self, workdir: Path, rasa_port: int = 5105, action_port: int = 5155,
                 env: dict[str, str] | None = None, endpoints: str | None = None) -> None:
        self.workdir = workdir
        self.rasa_port, self.action_port = rasa_port, action_port
        self.url = f"http://127.0.0.1:{rasa_port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
                    "SANIC_HOST": "127.0.0.1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                    "BACKSTOP_AUDIT_DB": str(workdir / "audit.db"), **(env or {})}
        self.endpoints = endpoints or self._write_endpoints()
        self.actions: subprocess.Popen | None = None
        self.rasa: subprocess.Popen | None = None

    def _write_endpoints(self) -> str:
        path = self.workdir / "endpoints.yml"
        path.write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{self.action_port}/webhook\n"
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {self.workdir / 'tracker.db'}\n"
        )
        return str(path)

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(self.workdir / log, "ab")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_actions(self) -> None:
        self.actions = self._spawn([str(VENV_BIN / "python"), "-m", "runtime.actions", "--actions", "actions",
                                    "--port", str(self.action_port)], "actions.log")
        wait_for(f"http://127.0.0.1:{self.action_port}/health", 90, self.actions)

    def start_rasa(self, extra: list[str] | None = None) -> None:
        self.rasa = self._spawn([str(VENV_BIN / "python"), "-m", "runtime", "run", "-m", str(MODEL), "--enable-api",
                                 "--port", str(self.rasa_port), "--endpoints", self.endpoints,
                                 "--credentials", str(ROOT / "credentials.yml"), *(extra or [])], "rasa.log")
        wait_for(f"{self.url}/", 240, self.rasa)

    def start(self) -> Backstop:
        self.start_actions()
        self.start_rasa()
        return self

    @staticmethod
    def _kill(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_rasa(self, sig: int = signal.SIGTERM) -> None:
        self._kill(self.rasa, sig)

    def stop_actions(self) -> None:
        self._kill(self.actions)

    def stop(self) -> None:
        self.stop_rasa()
        self.stop_actions()

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        status, replies = http("POST", f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message})
        assert status == 200, (status, replies)
        return replies

    def tracker(self, sender: str) -> dict[str, Any]:
        status, body = http("GET", f"{self.url}/conversations/{sender}/tracker")
        assert status == 200, (status, body)
        return body

    def slots(self, sender: str) -> dict[str, Any]:
        return self.tracker(sender)["slots"]

    def parse(self, text: str) -> dict[str, Any]:
        status, body = http("POST", f"{self.url}/model/parse", {"text": text})
        assert status == 200, (status, body)
        return body


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)
