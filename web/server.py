"""Serve the Backstop chat widget and a demo clinic page.

    .venv/bin/python web/server.py        # http://127.0.0.1:8080/

GET /                          the demo page (web/static/demo.html); ?server=URL points it at a Rasa server
GET /static/<file>             the widget (backstop-widget.js, backstop-widget.css) and other static files
GET /static/socket.io.min.js   the socket.io client, from web/node_modules (run `npm ci` in web/ first)
GET /health                    {"status": "ok"}

Environment: WEB_HOST (127.0.0.1), WEB_PORT (8080).
The widget talks to Rasa's socket.io channel directly; this server only hands out files.
"""

from __future__ import annotations

import os
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"
SOCKET_IO = WEB / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

CONTENT_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".map": "application/json; charset=utf-8",
}
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def create_app() -> Sanic:
    app = Sanic("backstop_web")

    async def send(path: Path) -> HTTPResponse:
        return await response.file(path, mime_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                                   headers=dict(HEADERS))

    @app.get("/")
    async def demo(_: Request) -> HTTPResponse:
        return await send(STATIC / "demo.html")

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/static/socket.io.min.js")
    async def socket_io(_: Request) -> HTTPResponse:
        if not SOCKET_IO.is_file():
            return response.text("socket.io client not installed: run `npm ci` in web/\n", status=500)
        return await send(SOCKET_IO)

    @app.get("/static/<name:str>")
    async def static(_: Request, name: str) -> HTTPResponse:
        # One flat folder: a name with a separator or a leading dot is never a file we serve.
        if "/" in name or "\\" in name or name.startswith("."):
            return response.text("not found\n", status=404)
        path = STATIC / name
        if not path.is_file():
            return response.text("not found\n", status=404)
        return await send(path)

    return app


app = create_app()

if __name__ == "__main__":
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    port = int(os.environ.get("WEB_PORT", "8080"))
    if not SOCKET_IO.is_file():
        print(f"warning: {SOCKET_IO} is missing; run `npm ci` in web/ so the widget can load its client")
    print(f"Backstop web: http://{host}:{port}/  (widget: http://{host}:{port}/static/backstop-widget.js)", flush=True)
    app.run(host=host, port=port, access_log=False, workers=1, motd=False)
