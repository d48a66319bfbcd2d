"""Input checks for Rasa's HTTP API endpoints that answer malformed bodies with a 500.

``POST /model/parse`` with a body of ``null``, a list, or a non-string ``text`` raised inside
Rasa (found by fuzzing, tests/test_robustness.py); here it gets a 400 that says what to send.
"""

from __future__ import annotations

from typing import Any, Optional


def _parse_body_problem(request: Any) -> Optional[str]:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error type for invalid JSON
        return "The body must be JSON."
    if not isinstance(body, dict):
        return 'The body must be a JSON object: {"text": "..."}.'
    if not isinstance(body.get("text"), str):
        return '"text" must be a string.'
    if body.get("message_id") is not None and not isinstance(body["message_id"], str):
        return '"message_id" must be a string.'
    return None


def install() -> None:
    """Check /model/parse bodies before Rasa reads them."""
    import rasa.server
    from sanic import response

    original = rasa.server.create_app
    if getattr(original, "_backstop", False):
        return

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)

        @app.middleware("request")
        async def check_parse(request: Any) -> Any:
            if request.method == "POST" and request.path.rstrip("/") == "/model/parse":
                problem = _parse_body_problem(request)
                if problem:
                    return response.json({"status": "failure", "reason": "BadRequest", "message": problem,
                                          "code": 400}, status=400)
            return None

        return app

    create_app._backstop = True  # type: ignore[attr-defined]
    rasa.server.create_app = create_app
