#!/usr/bin/env python3
"""Write the credentials file ``rasa run --credentials`` uses, with the platforms that are set up.

    .venv/bin/python scripts/credentials.py var/credentials.yml

The output holds every entry of ``credentials.yml`` (REST and the web widget's socket.io
channel, copied as they are) plus each messaging platform whose environment variables are all
set. For every other platform it prints one line saying which variables would switch it on.
The output contains secrets: it is written with mode 600 under ``var/`` (not in git).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "credentials.yml"


class Platform(NamedTuple):
    name: str  # Rasa's channel name: the webhook is /webhooks/<name>/webhook
    channel: str  # the credentials.yml key: Backstop's subclass of Rasa's channel
    required: Tuple[Tuple[str, str], ...]  # (credentials key, environment variable)
    optional: Tuple[Tuple[str, str], ...] = ()


PLATFORMS = (
    Platform("telegram", "channels.telegram.TelegramInput",
             (("access_token", "TELEGRAM_ACCESS_TOKEN"), ("verify", "TELEGRAM_VERIFY"),
              ("webhook_url", "TELEGRAM_WEBHOOK_URL"))),
    Platform("slack", "channels.slack.SlackInput",
             (("slack_token", "SLACK_TOKEN"), ("slack_signing_secret", "SLACK_SIGNING_SECRET")),
             (("slack_channel", "SLACK_CHANNEL"),)),
    Platform("facebook", "channels.facebook.FacebookInput",
             (("verify", "FACEBOOK_VERIFY"), ("secret", "FACEBOOK_SECRET"),
              ("page-access-token", "FACEBOOK_PAGE_ACCESS_TOKEN"))),
    Platform("twilio", "channels.twilio.TwilioInput",
             (("account_sid", "TWILIO_ACCOUNT_SID"), ("auth_token", "TWILIO_AUTH_TOKEN"),
              ("twilio_number", "TWILIO_NUMBER")),
             (("webhook_url", "TWILIO_WEBHOOK_URL"),)),
)


def _value(env: Mapping[str, str], name: str) -> Optional[str]:
    value = (env.get(name) or "").strip()
    return value or None


def build(env: Mapping[str, str], base: Path = BASE) -> Tuple[Dict, List[str]]:
    """(credentials, log lines) for the environment ``env``."""
    credentials: Dict = dict(yaml.safe_load(base.read_text(encoding="utf-8")) or {})
    lines: List[str] = []
    for platform in PLATFORMS:
        missing = [var for _, var in platform.required if not _value(env, var)]
        if missing:
            lines.append(f"{platform.name}: not started (set {', '.join(missing)})")
            continue
        entry = {key: _value(env, var) for key, var in platform.required}
        entry.update({key: _value(env, var) for key, var in platform.optional if _value(env, var)})
        credentials[platform.channel] = entry
        lines.append(f"{platform.name}: started (webhook /webhooks/{platform.name}/webhook)")
        url = entry.get("webhook_url") if platform.name == "telegram" else None
        if url and not (url.startswith("https://") and url.rstrip("/").endswith("/webhooks/telegram/webhook")):
            lines.append(f"telegram: warning: TELEGRAM_WEBHOOK_URL should be https://<your-host>"
                         f"/webhooks/telegram/webhook, not {url}")
    return credentials, lines


def write(path: Path, credentials: Dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("# Written by scripts/credentials.py from credentials.yml and the environment.\n"
              "# Contains secrets: do not commit, do not edit (it is rewritten at every start).\n")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(header)
        yaml.safe_dump(credentials, f, sort_keys=False, default_flow_style=False, allow_unicode=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: scripts/credentials.py OUTPUT.yml", file=sys.stderr)
        return 2
    credentials, lines = build(os.environ)
    write(Path(argv[0]), credentials)
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
