"""Messaging platforms end to end: real-shaped webhooks in, platform API calls out.

A real Rasa server (the trained model, the real action server, the credentials file written by
``scripts/credentials.py``) runs in a subprocess started from this file (``python
tests/test_channels.py serve ...``), with every outgoing call to Telegram, Slack, Messenger and
Twilio intercepted at the HTTP client layer: ``aioresponses`` for aiohttp (aiogram, slack_sdk)
and ``responses`` for requests (fbmessenger, twilio). Each intercepted call is appended to a
JSON-lines file the tests read. Webhooks are posted the way each platform documents them,
signed with the platform's scheme.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # when run as `python tests/test_channels.py serve`
    sys.path.insert(0, str(ROOT))

from tests.servers import MODEL, VENV_BIN, Backstop, http, wait_for  # noqa: E402

pytestmark = pytest.mark.e2e

RASA_PORT, ACTION_PORT = 5405, 5455
URL = f"http://127.0.0.1:{RASA_PORT}"

ENV = {
    "TELEGRAM_ACCESS_TOKEN": "7012345678:AAHtestTokenForBackstop_0123456789abc",
    "TELEGRAM_VERIFY": "backstop_test_bot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.clinic.example/webhooks/telegram/webhook",
    "SLACK_TOKEN": "xoxb-1111111111-2222222222-backstoptesttoken",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    "FACEBOOK_VERIFY": "backstop-verify-token",
    "FACEBOOK_SECRET": "0123456789abcdef0123456789abcdef",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "EAAGtestPageAccessTokenForBackstop",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 31 + "1",
    "TWILIO_AUTH_TOKEN": "12345678901234567890123456789012",
    "TWILIO_NUMBER": "+15005550006",
}
PLATFORM_VARS = [*ENV, "SLACK_CHANNEL", "TWILIO_WEBHOOK_URL"]
CHECKIN_SECONDS = 45  # the check-in delay in these tests (48 hours in use); may fall in the restart
DISCLAIMER = "not a diagnosis"


# ------------------------------------------------------------------ the server side (subprocess)

def _form_fields(data: Any) -> Dict[str, str]:
    """The fields of an aiohttp ``FormData`` (how aiogram posts) as a dict."""
    fields = getattr(data, "_fields", None)
    if fields is None:
        return dict(data or {}) if isinstance(data, dict) else {}
    return {type_options["name"]: value for type_options, _headers, value in fields}


def serve(calls_path: str, rasa_args: List[str]) -> None:
    """Run ``python -m runtime <rasa_args>`` in this process with the platforms' APIs intercepted."""
    import responses
    from aioresponses import CallbackResult, aioresponses

    lock = threading.Lock()
    ids = itertools.count(1)

    def record(platform: str, method: str, url: str, body: Any) -> None:
        line = json.dumps({"platform": platform, "method": method, "url": url, "body": body,
                           "time": time.time()})
        with lock, open(calls_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def telegram(url: Any, **kwargs: Any) -> CallbackResult:
        method = str(url).rsplit("/", 1)[-1]
        fields = _form_fields(kwargs.get("data"))
        record("telegram", method, str(url).split("/bot")[0], fields)
        if method == "getMe":
            result: Any = {"id": 7012345678, "is_bot": True, "first_name": "Backstop",
                           "username": os.environ["TELEGRAM_VERIFY"]}
        elif method == "sendMessage":
            result = {"message_id": next(ids), "date": int(time.time()), "text": fields.get("text", ""),
                      "chat": {"id": int(fields["chat_id"]), "type": "private"}}
        else:
            result = True
        return CallbackResult(status=200, payload={"ok": True, "result": result})

    def slack(url: Any, **kwargs: Any) -> CallbackResult:
        method = str(url).rsplit("/", 1)[-1]
        body = kwargs.get("json") or _form_fields(kwargs.get("data"))
        record("slack", method, str(url), body)
        return CallbackResult(status=200, payload={"ok": True, "channel": body.get("channel"),
                                                   "ts": f"{time.time():.6f}"})

    def facebook(request: Any) -> tuple:
        body = json.loads(request.body or b"{}")
        record("facebook", "POST", request.url.split("?")[0], body)
        reply = {"recipient_id": body.get("recipient", {}).get("id")}
        if "message" in body:
            reply["message_id"] = f"m_{next(ids)}"
        return 200, {"Content-Type": "application/json"}, json.dumps(reply)

    def twilio(request: Any) -> tuple:
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        body = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        record("twilio", "POST", request.url, body)
        sid = f"SM{next(ids):032x}"
        message = {"sid": sid, "account_sid": os.environ["TWILIO_ACCOUNT_SID"], "to": body.get("To"),
                   "from": body.get("From"), "body": body.get("Body"), "status": "queued",
                   "num_segments": "1", "num_media": "0", "direction": "outbound-api",
                   "api_version": "2010-04-01", "date_created": "Sun, 22 Nov 2026 04:00:00 +0000",
                   "date_updated": "Sun, 22 Nov 2026 04:00:00 +0000", "date_sent": None,
                   "price": None, "error_code": None, "error_message": None,
                   "uri": f"/2010-04-01/Accounts/{os.environ['TWILIO_ACCOUNT_SID']}/Messages/{sid}.json"}
        return 201, {"Content-Type": "application/json"}, json.dumps(message)

    local = ["http://127.0.0.1", "http://localhost"]
    with aioresponses(passthrough=local) as aio, responses.RequestsMock(assert_all_requests_are_fired=False) as req:
        aio.post(re.compile(r"^https://api\.telegram\.org/bot[^/]+/\w+$"), callback=telegram, repeat=True)
        aio.post(re.compile(r"^https://(www\.)?slack\.com/api/[\w.]+$"), callback=slack, repeat=True)
        req.add_callback(responses.POST, re.compile(r"https://graph\.facebook\.com/v[\d.]+/me/messages"),
                         callback=facebook)
        req.add_callback(responses.POST,
                         re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/\w+/Messages\.json"),
                         callback=twilio)
        req.add_passthru(re.compile(r"http://(127\.0\.0\.1|localhost)[:/]"))
        from runtime.__main__ import main  # what `make run` runs: Rasa with Backstop's runtime fixes

        sys.argv = ["rasa", *rasa_args]
        main()


# ------------------------------------------------------------------------------ the test side

class Calls:
    """The platform API calls the server made, read from its JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> List[Dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]

    def mark(self) -> int:
        return len(self.all())

    def since(self, mark: int, platform: Optional[str] = None) -> List[Dict[str, Any]]:
        return [c for c in self.all()[mark:] if platform is None or c["platform"] == platform]

    def wait(self, mark: int, platform: str, done: Callable[[List[Dict[str, Any]]], bool],
             timeout: float = 30) -> List[Dict[str, Any]]:
        """The calls to ``platform`` since ``mark``, once ``done`` says they are complete."""
        deadline = time.time() + timeout
        while True:
            calls = self.since(mark, platform)
            if done(calls):
                time.sleep(0.3)  # let the rest of the turn arrive
                return self.since(mark, platform)
            if time.time() > deadline:
                raise AssertionError(f"no matching {platform} call within {timeout}s; got {json.dumps(calls)[:3000]}")
            time.sleep(0.1)


def write_credentials(path: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PLATFORM_VARS}
    return subprocess.run([str(VENV_BIN / "python"), str(ROOT / "scripts" / "credentials.py"), str(path)],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def domain_buttons() -> List[List[Dict[str, str]]]:
    """The button lists of the domain's responses, payloads as Rasa sends them."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    lists = []
    for variants in domain.get("responses", {}).values():
        for variant in variants:
            if variant.get("buttons"):
                lists.append([{"title": b["title"], "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
                              for b in variant["buttons"]])
    return lists


def buttons_titled(titles: List[str]) -> List[Dict[str, str]]:
    for buttons in domain_buttons():
        if [b["title"] for b in buttons] == titles:
            return buttons
    raise AssertionError(f"no response in domain.yml has the buttons {titles}")


def latest_user_text(sender: str) -> str:
    status, tracker = http("GET", f"{URL}/conversations/{urllib.parse.quote(sender, safe='+:')}/tracker")
    assert status == 200, tracker
    return tracker["latest_message"]["text"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    for _ in range(60):  # the model is retrained now and then; give it a minute to reappear
        if MODEL.exists():
            break
        time.sleep(1)
    else:
        pytest.skip(f"{MODEL} missing: train first (make train)")
    try:
        import aioresponses  # noqa: F401
        import responses  # noqa: F401
    except ImportError as e:
        pytest.fail(f"{e.name} is missing: this test needs aioresponses==0.7.6 and responses==0.26.3")
    workdir = Path(tmp_path_factory.mktemp("channels"))
    credentials = workdir / "credentials.yml"
    result = write_credentials(credentials, ENV)
    assert result.returncode == 0, result.stderr
    assert "not started" not in result.stdout, result.stdout

    backstop = Backstop(workdir, rasa_port=RASA_PORT, action_port=ACTION_PORT,
                        env={"RASA_TELEMETRY_ENABLED": "false", "BACKSTOP_DB_RETRY_SECONDS": "2",
                             "BACKSTOP_CHECKIN_HOURS": str(CHECKIN_SECONDS / 3600),
                             "BACKSTOP_CHECKIN_SWEEP_SECONDS": "2"})
    backstop.start_actions()
    calls = Calls(workdir / "calls.jsonl")
    env = {**backstop.env, **ENV, "RASA_TELEMETRY_ENABLED": "false"}
    log = open(workdir / "rasa.log", "ab")  # noqa: SIM115 - closed below
    procs: List[subprocess.Popen] = []

    def start() -> None:
        procs.append(subprocess.Popen(
            [str(VENV_BIN / "python"), str(Path(__file__).resolve()), "serve", str(calls.path),
             "run", "-m", str(MODEL), "--enable-api", "--interface", "127.0.0.1", "--port", str(RASA_PORT),
             "--endpoints", backstop.endpoints, "--credentials", str(credentials)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        wait_for(f"{URL}/", 240, procs[-1])

    def stop() -> None:
        rasa = procs[-1]
        if rasa.poll() is None:
            os.killpg(rasa.pid, signal.SIGTERM)
            try:
                rasa.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(rasa.pid, signal.SIGKILL)
                rasa.wait()

    def restart() -> None:
        stop()
        start()

    try:
        start()
        calls.backstop, calls.log, calls.restart = backstop, workdir / "rasa.log", restart  # type: ignore[attr-defined]
        yield calls
    finally:
        stop()
        log.close()
        backstop.stop_actions()


# --------------------------------------------------------------------------- credentials script

def test_platform_without_its_variables_is_not_started(tmp_path: Path) -> None:
    out = tmp_path / "credentials.yml"
    partial = {k: v for k, v in ENV.items() if k.startswith("TELEGRAM_")}
    partial["SLACK_TOKEN"] = ENV["SLACK_TOKEN"]  # no signing secret: Slack stays off
    result = write_credentials(out, partial)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "telegram: started (webhook /webhooks/telegram/webhook)" in lines
    assert "slack: not started (set SLACK_SIGNING_SECRET)" in lines
    assert "facebook: not started (set FACEBOOK_VERIFY, FACEBOOK_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN)" in lines
    assert "twilio: not started (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER)" in lines

    written = yaml.safe_load(out.read_text())
    base = yaml.safe_load((ROOT / "credentials.yml").read_text())
    for key, value in base.items():  # REST and socket.io copied as they are
        assert written[key] == value
    assert written["channels.telegram.TelegramInput"] == {
        "access_token": ENV["TELEGRAM_ACCESS_TOKEN"], "verify": ENV["TELEGRAM_VERIFY"],
        "webhook_url": ENV["TELEGRAM_WEBHOOK_URL"]}
    assert not any(k.startswith(("channels.slack", "channels.facebook", "channels.twilio")) for k in written)
    assert out.stat().st_mode & 0o077 == 0  # secrets: owner only

    result = write_credentials(out, {})
    assert "telegram: not started (set TELEGRAM_ACCESS_TOKEN, TELEGRAM_VERIFY, TELEGRAM_WEBHOOK_URL)" in result.stdout
    assert set(yaml.safe_load(out.read_text())) == set(base)


def test_all_four_platforms_are_served(server: Calls) -> None:
    for name in ("telegram", "slack", "facebook", "twilio"):
        status, body = http("GET", f"{URL}/webhooks/{name}/")
        assert (status, body) == (200, {"status": "ok"}), name


# ------------------------------------------------------------------------------------- Telegram

TG_SECRET = hmac.new(ENV["TELEGRAM_ACCESS_TOKEN"].encode(), b"backstop telegram webhook", hashlib.sha256).hexdigest()
_update_ids = itertools.count(500_000_001)


def telegram_update(chat_id: int, text: str) -> Dict[str, Any]:
    """A Telegram ``Update`` with a private text message, as https://core.telegram.org/bots/api#update."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    message: Dict[str, Any] = {"message_id": next(_update_ids) % 100_000, "from": user,
                               "chat": {"id": chat_id, "first_name": "Sam", "type": "private"},
                               "date": int(time.time()), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": next(_update_ids), "message": message}


def telegram_post(update: Dict[str, Any], secret: str = TG_SECRET) -> tuple:
    return http("POST", f"{URL}/webhooks/telegram/webhook", update,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def sent_messages(calls: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [c["body"] for c in calls if c["method"] == "sendMessage"]


def test_telegram(server: Calls) -> None:
    chat = 93372553
    setup = [c for c in server.since(0, "telegram") if c["method"] == "setWebhook"]
    assert setup and setup[0]["body"] == {"url": ENV["TELEGRAM_WEBHOOK_URL"], "secret_token": TG_SECRET}

    mark = server.mark()
    status, _ = telegram_post(telegram_update(chat, "/start"), secret="forged")
    assert status == 403 and not server.since(mark, "telegram")

    mark = server.mark()
    status, body = telegram_post(telegram_update(chat, "/start"))
    assert (status, body) == (200, "success")
    sent = sent_messages(server.wait(mark, "telegram", lambda c: len(sent_messages(c)) >= 2))
    assert all(m["chat_id"] == str(chat) and m["parse_mode"] == "HTML" for m in sent)
    assert any(DISCLAIMER in m["text"] for m in sent)

    mark = server.mark()
    telegram_post(telegram_update(chat, "my back hurts after the gym"))
    sent = sent_messages(server.wait(mark, "telegram", lambda c: any("reply_markup" in m for m in sent_messages(c))))
    question = [m for m in sent if "reply_markup" in m][-1]
    keyboard = json.loads(question["reply_markup"])
    rows = keyboard["keyboard"]
    titles = [row[0]["text"] for row in rows]
    assert all(len(row) == 1 for row in rows) and keyboard["one_time_keyboard"] is True
    assert not any("/" in t or "{" in t for t in titles)  # titles only, never payloads
    buttons = buttons_titled(titles)

    # tapping a button of a reply keyboard sends its title as a plain message
    mark = server.mark()
    telegram_post(telegram_update(chat, titles[0]))
    server.wait(mark, "telegram", lambda c: bool(sent_messages(c)))
    assert latest_user_text(f"telegram:{chat}") == buttons[0]["payload"]

    # a check-in pushed through the HTTP API reaches Telegram (Rasa's channel raised here)
    other = 93372554
    telegram_post(telegram_update(other, "hi"))
    mark = server.mark()
    status, body = http("POST", f"{URL}/conversations/telegram:{other}/trigger_intent?output_channel=telegram",
                        {"name": "EXTERNAL_checkin"})
    assert status == 200, body
    sent = sent_messages(server.wait(mark, "telegram", lambda c: any("checking in" in m["text"]
                                                                     for m in sent_messages(c))))
    checkin = [m for m in sent if "checking in" in m["text"]][0]
    assert checkin["chat_id"] == str(other) and "keyboard" in json.loads(checkin["reply_markup"])


# ---------------------------------------------------------------------------------------- Slack

def slack_post(body: bytes, content_type: str, secret: str = ENV["SLACK_SIGNING_SECRET"]) -> tuple:
    """POST as Slack does: X-Slack-Signature = v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return http("POST", f"{URL}/webhooks/slack/webhook", raw=body, headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}"})


def slack_event(user: str, channel: str, text: str) -> bytes:
    """An Events API ``event_callback`` for a direct message (https://api.slack.com/events/message.im)."""
    ts = f"{time.time():.6f}"
    return json.dumps({
        "token": "XXYYZZ", "team_id": "T061EG9R6", "api_app_id": "A0PNCHHK2", "type": "event_callback",
        "event": {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                  "event_ts": ts, "channel_type": "im", "client_msg_id": f"cm-{ts}"},
        "event_id": f"Ev{int(float(ts) * 1000)}", "event_time": int(float(ts)),
        "authorizations": [{"enterprise_id": None, "team_id": "T061EG9R6", "user_id": "U0BOTUSER",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ",
    }).encode()


def posted(calls: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [c["body"] for c in calls if c["method"] == "chat.postMessage"]


def test_slack(server: Calls) -> None:
    user, channel = "U2147483697", "D024BE91L"
    challenge = json.dumps({"token": "XXYYZZ", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                            "type": "url_verification"}).encode()
    status, body = slack_post(challenge, "application/json")
    assert status == 200 and body == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"

    mark = server.mark()
    status, _ = slack_post(slack_event(user, channel, "hi"), "application/json", secret="wrong")
    assert status == 400
    time.sleep(0.5)
    assert not server.since(mark, "slack")

    mark = server.mark()
    status, _ = slack_post(slack_event(user, channel, "hi"), "application/json")
    assert status == 200
    sent = posted(server.wait(mark, "slack", lambda c: len(posted(c)) >= 2))
    assert all(m["channel"] == channel and "as_user" not in m for m in sent)
    assert any(DISCLAIMER in m["text"] for m in sent)

    mark = server.mark()
    slack_post(slack_event(user, channel, "my back hurts after the gym"), "application/json")
    sent = posted(server.wait(mark, "slack", lambda c: any("blocks" in m for m in posted(c))))
    question = [m for m in sent if "blocks" in m][-1]
    section, actions = question["blocks"]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"] == question["text"]
    titles = [e["text"]["text"] for e in actions["elements"]]
    buttons = buttons_titled(titles)
    assert [e["value"] for e in actions["elements"]] == [b["payload"] for b in buttons]

    # a click arrives as a form-encoded block_actions payload (https://api.slack.com/reference/interaction-payloads)
    click = {"type": "block_actions", "user": {"id": user, "username": "sam", "team_id": "T061EG9R6"},
             "api_app_id": "A0PNCHHK2", "token": "XXYYZZ", "container": {"type": "message", "channel_id": channel},
             "trigger_id": "12466734323.1395872398", "team": {"id": "T061EG9R6", "domain": "clinic"},
             "channel": {"id": channel, "name": "directmessage"},
             "message": {"type": "message", "ts": f"{time.time():.6f}", "text": question["text"]},
             "actions": [{"type": "button", "action_id": "a1", "block_id": "b1", "value": buttons[1]["payload"],
                          "text": {"type": "plain_text", "text": titles[1]}, "action_ts": f"{time.time():.6f}"}]}
    mark = server.mark()
    status, _ = slack_post(urllib.parse.urlencode({"payload": json.dumps(click)}).encode(),
                           "application/x-www-form-urlencoded")
    assert status == 200
    server.wait(mark, "slack", lambda c: bool(posted(c)))
    assert latest_user_text(f"slack:{user}") == buttons[1]["payload"]


# ------------------------------------------------------------------------------------ Messenger

def messenger_post(events: List[Dict[str, Any]], secret: str = ENV["FACEBOOK_SECRET"]) -> tuple:
    """A Messenger webhook (https://developers.facebook.com/docs/messenger-platform/webhooks), signed."""
    body = json.dumps({"object": "page", "entry": [{"id": "104328591234567", "time": int(time.time() * 1000),
                                                      "messaging": events}]}).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return http("POST", f"{URL}/webhooks/facebook/webhook", raw=body,
                headers={"X-Hub-Signature-256": f"sha256={digest}"})


def messenger_event(psid: str, text: str, quick_reply: Optional[str] = None) -> Dict[str, Any]:
    message: Dict[str, Any] = {"mid": f"m_{time.time_ns()}", "text": text}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    return {"sender": {"id": psid}, "recipient": {"id": "104328591234567"},
            "timestamp": int(time.time() * 1000), "message": message}


def fb_messages(calls: List[Dict[str, Any]], psid: Optional[str] = None) -> List[Dict[str, Any]]:
    return [c["body"]["message"] for c in calls
            if "message" in c["body"] and (psid is None or c["body"]["recipient"]["id"] == psid)]


def test_messenger(server: Calls) -> None:
    status, body = http("GET", f"{URL}/webhooks/facebook/webhook?hub.mode=subscribe"
                               f"&hub.verify_token={ENV['FACEBOOK_VERIFY']}&hub.challenge=1158201444")
    assert (status, body) == (200, 1158201444)

    psid, other = "6457823917682341", "7123456789012345"
    mark = server.mark()
    status, _ = messenger_post([messenger_event(psid, "hi")], secret="wrong")
    assert status == 403 and not server.since(mark, "facebook")

    # two people in one batched delivery: both are answered
    mark = server.mark()
    status, body = messenger_post([messenger_event(psid, "hi"), messenger_event(other, "hello")])
    assert (status, body) == (200, "success")
    calls = server.wait(mark, "facebook", lambda c: bool(fb_messages(c, psid)) and bool(fb_messages(c, other)))
    assert any(DISCLAIMER in m.get("text", "") for m in fb_messages(calls, psid))
    assert any(DISCLAIMER in m.get("text", "") for m in fb_messages(calls, other))
    assert all(c["body"]["messaging_type"] == "RESPONSE" for c in calls if "message" in c["body"])

    mark = server.mark()
    messenger_post([messenger_event(psid, "my back hurts after the gym")])
    sent = fb_messages(server.wait(mark, "facebook", lambda c: any("quick_replies" in m for m in fb_messages(c))))
    question = [m for m in sent if "quick_replies" in m][-1]
    titles = [q["title"] for q in question["quick_replies"]]
    buttons = buttons_titled(titles)
    assert [q["payload"] for q in question["quick_replies"]] == [b["payload"] for b in buttons]
    assert "Reply with a number" not in question["text"]

    # tap quick replies until a question with a title too long for one (> 20 characters)
    for _ in range(10):
        if len(question["quick_replies"]) > 3 and any(len(b["title"]) > 20 for b in buttons):
            break
        mark = server.mark()
        first = question["quick_replies"][0]
        messenger_post([messenger_event(psid, first["title"], quick_reply=first["payload"])])
        sent = fb_messages(server.wait(mark, "facebook", lambda c: any("quick_replies" in m for m in fb_messages(c))))
        question = [m for m in sent if "quick_replies" in m][-1]
        numbers = [q["title"] for q in question["quick_replies"]]
        lines = question["text"].split("Reply with a number:\n")[-1].splitlines()
        buttons = buttons_titled([line.split(". ", 1)[1] for line in lines] if numbers[0] == "1" else numbers)
    else:
        pytest.fail("never got a question with more than 3 buttons and a long title")
    assert [q["title"] for q in question["quick_replies"]] == [str(i) for i in range(1, len(buttons) + 1)]
    assert [q["payload"] for q in question["quick_replies"]] == [b["payload"] for b in buttons]
    assert "Reply with a number:\n1. " + buttons[0]["title"] in question["text"]

    # typing the number instead of tapping it works too
    mark = server.mark()
    messenger_post([messenger_event(psid, "2")])
    server.wait(mark, "facebook", lambda c: bool(fb_messages(c, psid)))
    assert latest_user_text(f"facebook:{psid}") == buttons[1]["payload"]


# --------------------------------------------------------------------------------------- Twilio

TWILIO_WEBHOOK = f"{URL}/webhooks/twilio/webhook"
PHONE = "+14155550123"


def twilio_sign(url: str, params: Dict[str, str], token: str = ENV["TWILIO_AUTH_TOKEN"]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST param name+value, sorted))."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_post(text: str, sender: str = PHONE, to: str = ENV["TWILIO_NUMBER"], signed: bool = True) -> tuple:
    """An incoming-SMS webhook as Twilio posts it (https://www.twilio.com/docs/messaging/guides/webhook-request)."""
    sid = "SM" + hashlib.md5(f"{time.time_ns()}".encode()).hexdigest()  # noqa: S324 - an id, not security
    params = {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
              "FromZip": "94105", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received",
              "FromCity": "SAN FRANCISCO", "Body": text, "FromCountry": "US", "To": to, "ToZip": "",
              "NumSegments": "1", "MessageSid": sid, "AccountSid": ENV["TWILIO_ACCOUNT_SID"], "From": sender,
              "ApiVersion": "2010-04-01"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers["X-Twilio-Signature"] = twilio_sign(TWILIO_WEBHOOK, params)
    return http("POST", TWILIO_WEBHOOK, raw=urllib.parse.urlencode(params).encode(), headers=headers)


def bodies(calls: List[Dict[str, Any]]) -> List[str]:
    return [c["body"]["Body"] for c in calls]


def test_twilio_sms(server: Calls) -> None:
    mark = server.mark()
    status, _ = twilio_post("hi", signed=False)
    assert status == 403 and not server.since(mark, "twilio")

    mark = server.mark()
    status, _ = twilio_post("hi")
    assert status == 204
    calls = server.wait(mark, "twilio", bool)
    assert all(c["body"]["To"] == PHONE and c["body"]["From"] == ENV["TWILIO_NUMBER"] for c in calls)
    assert len(calls) == 1, "the messages of one turn go out as one SMS"
    assert DISCLAIMER in calls[0]["body"]["Body"]

    mark = server.mark()
    twilio_post("my back hurts after the gym")
    sms = bodies(server.wait(mark, "twilio", bool))
    question = sms[-1]
    assert "Reply with a number:\n1. " in question and "/inform" not in question and "{" not in question
    titles = re.findall(r"^\d+\. (.+)$", question.split("Reply with a number:\n")[1], re.M)
    buttons = buttons_titled(titles)

    mark = server.mark()
    twilio_post(" 1.")
    sms = bodies(server.wait(mark, "twilio", bool))
    assert latest_user_text(f"twilio:{PHONE}") == buttons[0]["payload"]
    assert sms[-1] != question

    # WhatsApp through the same webhook: replies come from the WhatsApp sender written to
    mark = server.mark()
    twilio_post("hi", sender="whatsapp:+14155550999", to="whatsapp:+14155238886")
    calls = server.wait(mark, "twilio", bool)
    assert calls[0]["body"]["From"] == "whatsapp:+14155238886" and calls[0]["body"]["To"] == "whatsapp:+14155550999"

    # every SMS ever sent stays under Twilio's 1600 characters
    assert all(len(b) <= 1600 for b in bodies(server.since(0, "twilio")))


def test_twilio_long_answers_are_split_at_boundaries() -> None:
    from channels.messaging import pack, split_text

    paragraph = "\n".join(f"- point {i}: " + " ".join(["keep moving gently and build up slowly."] * 3)
                          for i in range(12))
    text = "\n\n".join([paragraph] * 3)
    parts = split_text(text, 1600)
    assert len(parts) > 1 and all(len(p) <= 1600 for p in parts)
    assert all(p.startswith("- point") and p.endswith("slowly.") for p in parts)  # whole lines
    assert "\n\n".join(parts).replace("\n\n", "\n") == text.replace("\n\n", "\n")
    assert pack(["Thanks.", "Where in your back is the pain?"], 1600) == ["Thanks.\n\nWhere in your back is the pain?"]



def test_the_choices_offered_are_read_from_the_conversation() -> None:
    """A typed number or title picks from the buttons of the latest bot message, read from the
    tracker (so any instance, before or after a restart, reads the same); a message without
    buttons, or the person's own reply since, offers none."""
    from rasa.shared.core.events import BotUttered, UserUttered

    from channels.messaging import last_choices, pick

    question = BotUttered("Where?", {"buttons": [{"title": "Lower back", "payload": "/x"},
                                                 {"title": "Upper back", "payload": "/y"}]})
    offered = last_choices([UserUttered("hi"), question])
    assert pick(offered, "2") == "/y" and pick(offered, " 2. ") == "/y"
    assert pick(offered, "lower back") == "/x" and pick(offered, "3") is None and pick(offered, "lower") is None
    assert last_choices([question, BotUttered("How bad, 0 to 10?")]) == []
    assert last_choices([question, UserUttered("2")]) == []


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "serve":
    serve(sys.argv[2], sys.argv[3:])


# ------------------------------------------------------------------ isolation and failure paths

def test_the_same_raw_id_on_two_channels_is_two_conversations(server: Calls) -> None:
    chat = 93372600
    mark = server.mark()
    telegram_post(telegram_update(chat, "my lower back hurts since squats"))
    server.wait(mark, "telegram", lambda c: bool(sent_messages(c)))
    # a REST sender naming the raw chat id reaches a different, new conversation
    status, replies = http("POST", f"{URL}/webhooks/rest/webhook", {"sender": str(chat), "message": "/restart"})
    assert status == 200
    assert latest_user_text(f"telegram:{chat}") == "my lower back hurts since squats"
    # and it cannot name the Telegram conversation itself
    status, body = http("POST", f"{URL}/webhooks/rest/webhook", {"sender": f"telegram:{chat}", "message": "/restart"})
    assert status == 403
    assert latest_user_text(f"telegram:{chat}") == "my lower back hurts since squats"


def _platform_turns() -> List[tuple]:
    """(platform, send(text) -> status, the reply texts the platform was asked to deliver)."""
    chat, user, psid = 93372700, "U2147483700", "6457823917682700"
    return [
        ("telegram", lambda t: telegram_post(telegram_update(chat, t))[0],
         lambda c: [m["text"] for m in sent_messages(c)]),
        ("slack", lambda t: slack_post(slack_event(user, "D024BE9ZZ", t), "application/json")[0],
         lambda c: [b["text"] for b in posted(c)]),
        ("facebook", lambda t: messenger_post([messenger_event(psid, t)])[0],
         lambda c: [m.get("text", "") for m in fb_messages(c, psid)]),
        ("twilio", lambda t: twilio_post(t, sender="+14155550777")[0], bodies),
    ]


def _fails_honestly(server: Calls, expected_reply: str) -> None:
    for platform, send, replies in _platform_turns():
        mark = server.mark()
        status = send("what is DOMS? my back is sore")
        assert 200 <= status < 300, (platform, status)  # a 2xx: the platform does not redeliver
        said = replies(server.wait(mark, platform, lambda c, r=replies: any(  # noqa: B023
            expected_reply[:40] in x for x in r(c)), timeout=60))
        assert any(expected_reply[:40] in x for x in said), (platform, said)


def test_every_platform_fails_like_rest(server: Calls) -> None:
    from channels import rest

    backstop = server.backstop  # type: ignore[attr-defined]
    for _, send, _ in _platform_turns():  # start each conversation while everything works
        send("hi")
    time.sleep(3)
    # the action server is down: the honest reply with the safety advice
    backstop.stop_actions()
    with pytest.raises(OSError):  # it is really down
        http("GET", f"http://127.0.0.1:{ACTION_PORT}/health", timeout=5)
    try:
        _fails_honestly(server, rest.NO_REPLY)
    finally:
        backstop.start_actions()
    # the tracker store fails (its database is write-locked for longer than the retries last): the
    # answer is read (WAL lets readers in) but cannot be stored, and the person is told so
    sys.path.insert(0, str(ROOT / "tests"))
    from test_robustness import database_locked

    with database_locked(backstop.workdir / "tracker.db", 40):
        _fails_honestly(server, rest.NOT_SAVED)
    # no message text, phone number or exception text in the log at the default level
    log = server.log.read_text(errors="replace")  # type: ignore[attr-defined]
    for secret in ("what is DOMS", "+14155550777", "93372700", "6457823917682700", "U2147483700"):
        assert secret not in log, secret


# --------------------------------------------------------------------------------------- fuzzing

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=12), c, max_size=4),
                     max_leaves=10)


def _signed_garbage(platform: str, body: Any) -> tuple:
    """POST ``body`` to a platform's webhook with a valid signature for it."""
    raw = json.dumps(body).encode()
    if platform == "telegram":
        return http("POST", f"{URL}/webhooks/telegram/webhook", raw=raw,
                    headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
    if platform == "slack":
        return slack_post(raw, "application/json")
    if platform == "facebook":
        digest = hmac.new(ENV["FACEBOOK_SECRET"].encode(), raw, hashlib.sha256).hexdigest()
        return http("POST", f"{URL}/webhooks/facebook/webhook", raw=raw,
                    headers={"X-Hub-Signature-256": f"sha256={digest}"})
    params = {str(k): str(v) for k, v in (body.items() if isinstance(body, dict) else {"Body": body}.items())}
    return http("POST", TWILIO_WEBHOOK, raw=urllib.parse.urlencode(params).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "X-Twilio-Signature": twilio_sign(TWILIO_WEBHOOK, params)})


@pytest.mark.parametrize("platform", ["telegram", "slack", "facebook", "twilio"])
def test_signed_garbage_never_breaks_a_platform_webhook(server: Calls, platform: str) -> None:
    @settings(max_examples=20, deadline=None)
    @given(body=_JSON | st.fixed_dictionaries({"message": _JSON, "update_id": st.integers()})
           | st.fixed_dictionaries({"object": st.just("page"), "entry": _JSON})
           | st.fixed_dictionaries({"type": st.just("event_callback"), "event": _JSON})
           | st.fixed_dictionaries({"From": st.text(max_size=20), "Body": st.text(max_size=200)}))
    def check(body: Any) -> None:
        status, _ = _signed_garbage(platform, body)
        assert status < 500, (platform, status, body)

    check()
    # and the platform still answers a real message afterwards
    mark = server.mark()
    _, send, _ = next(t for t in _platform_turns() if t[0] == platform)
    assert 200 <= send("hi") < 300
    server.wait(mark, platform, bool, timeout=60)


def test_twilio_does_not_trust_a_client_set_forwarded_host(server: Calls) -> None:
    params = {"From": "+14155550888", "To": ENV["TWILIO_NUMBER"], "Body": "hi",
              "AccountSid": ENV["TWILIO_ACCOUNT_SID"]}
    forged = "https://evil.example/webhooks/twilio/webhook"  # a URL the sender chose, signed for it
    mark = server.mark()
    status, _ = http("POST", TWILIO_WEBHOOK, raw=urllib.parse.urlencode(params).encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded",
                              "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
                              "X-Twilio-Signature": twilio_sign(forged, params)})
    assert status == 403 and not server.since(mark, "twilio")


def test_a_checkin_and_the_choices_offered_survive_a_restart(server: Calls) -> None:
    """One restart for two things kept with the conversation, not in the process: a Telegram
    check-in arrives once, and an SMS "2" typed after the restart picks the second choice offered
    before it (read from the tracker store, as any instance of the scale-out profile would)."""
    chat, phone = 93372800, "+15550001234"
    mark = server.mark()
    telegram_post(telegram_update(chat, "/request_checkin"))
    server.wait(mark, "telegram", lambda c: any("check in with you" in m["text"] for m in sent_messages(c)))
    asked = time.time()
    mark_sms = server.mark()
    twilio_post("my back hurts after the gym", sender=phone)
    question = bodies(server.wait(mark_sms, "twilio", bool))[-1]
    titles = re.findall(r"^\d+\. (.+)$", question.split("Reply with a number:\n")[1], re.M)
    buttons = buttons_titled(titles)
    server.restart()  # type: ignore[attr-defined]
    mark_sms = server.mark()
    twilio_post("2", sender=phone)
    server.wait(mark_sms, "twilio", bool)
    assert latest_user_text(f"twilio:{phone}") == buttons[1]["payload"]
    deadline = max(asked + CHECKIN_SECONDS, time.time()) + 20  # the restart may outlast the delay
    while time.time() < deadline:
        time.sleep(1)
    checkins = [m for m in sent_messages(server.since(mark, "telegram"))
                if "checking in" in m["text"] and m["chat_id"] == str(chat)]
    assert len(checkins) == 1, checkins
