"""The HTTP API token: read from the environment, accepted in a header, never on a command line.

Rasa takes its token only as ``--auth-token`` (which every user of the machine sees in ``ps``)
and checks it only as ``?token=`` (which lands in proxy logs). Here the token comes from
``BACKSTOP_API_TOKEN`` or the file named by ``BACKSTOP_API_TOKEN_FILE`` and is handed to Rasa
inside this process; requests may send it as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
from functools import wraps
from inspect import isawaitable
from pathlib import Path
from typing import Any, Callable, Optional

TOKEN_ENV = "BACKSTOP_API_TOKEN"
TOKEN_FILE_ENV = "BACKSTOP_API_TOKEN_FILE"


def configured_token() -> Optional[str]:
    """The API token from the environment or its file, or None (the API is then only local)."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token and os.environ.get(TOKEN_FILE_ENV):
        token = Path(os.environ[TOKEN_FILE_ENV]).read_text(encoding="utf-8").strip()
    return token or None


def with_token(argv: list[str]) -> list[str]:
    """``rasa run`` arguments with the configured token added (in memory only, not in ``ps``)."""
    token = configured_token()
    if not token or len(argv) < 2 or argv[1] != "run" or "--auth-token" in argv:
        return argv
    return [*argv, "--auth-token", token]


def _bearer(request: Any) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else ""


def accept_bearer_header() -> None:
    """Let Rasa's token check also accept ``Authorization: Bearer <token>``."""
    import rasa.server

    original = rasa.server.requires_auth
    if getattr(original, "_backstop", False):
        return

    def requires_auth(app: Any, token: Optional[str] = None) -> Callable:
        checked = original(app, token)

        def decorator(f: Callable) -> Callable:
            fallback = checked(f)

            @wraps(f)
            async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
                if token is not None and hmac.compare_digest(_bearer(request).encode(), token.encode()):
                    result = f(request, *args, **kwargs)
                    return await result if isawaitable(result) else result
                return await fallback(request, *args, **kwargs)

            return decorated

        return decorator

    requires_auth._backstop = True  # type: ignore[attr-defined]
    rasa.server.requires_auth = requires_auth
