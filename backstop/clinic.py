"""Clinic contact details for hand-over, from config/clinic.yml or the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).resolve().parent.parent / "config" / "clinic.yml"
GENERAL_EMERGENCY = "your local emergency number (911 in the US, 999 in the UK, 112 in the EU)"


@dataclass(frozen=True)
class Clinic:
    """Who to hand over to; empty strings mean "not configured"."""

    name: str = ""
    phone: str = ""
    booking_url: str = ""
    hours: str = ""
    emergency_number: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.phone or self.booking_url)

    def contact_lines(self) -> list[str]:
        lines = [self.name] if self.name else []
        if self.phone:
            lines.append(f"Phone: {self.phone}" + (f" ({self.hours})" if self.hours else ""))
        if self.booking_url:
            lines.append(f"Book online: {self.booking_url}")
        return lines if self.configured else []

    @property
    def emergency(self) -> str:
        return self.emergency_number or GENERAL_EMERGENCY


def load(path: Path = CONFIG_FILE, env: dict[str, str] | None = None) -> Clinic:
    """Read the clinic file, then let BACKSTOP_* environment variables override it."""
    env = dict(os.environ) if env is None else env
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    data = data or {}
    section = data.get("clinic") or {}

    def pick(key: str, env_key: str, default: object) -> str:
        return str(env.get(env_key) or default or "").strip()

    return Clinic(
        name=pick("name", "BACKSTOP_CLINIC_NAME", section.get("name")),
        phone=pick("phone", "BACKSTOP_CLINIC_PHONE", section.get("phone")),
        booking_url=pick("booking_url", "BACKSTOP_CLINIC_BOOKING_URL", section.get("booking_url")),
        hours=pick("hours", "BACKSTOP_CLINIC_HOURS", section.get("hours")),
        emergency_number=pick("emergency", "BACKSTOP_EMERGENCY_NUMBER", data.get("emergency_number")),
    )
