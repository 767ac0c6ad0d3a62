"""A stand-in for the Hugging Face Hub's whoami endpoint on 127.0.0.1 (HF_ENDPOINT points here).

Gradio's mocked sign-in (used when not on a real Space) and the studio's
API-token identity both ask the hub who a token belongs to; the real hub is
out of reach in tests, so this answers for a fixed set of tokens.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNTS = {"hf_ann_token": "ann", "hf_bob_token": "bob"}


class _Hub(BaseHTTPRequestHandler):
    def do_GET(self):
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        name = ACCOUNTS.get(token)
        if not self.path.startswith("/api/whoami") or name is None:
            self._answer(401, {"error": "Invalid credentials in Authorization header"})
            return
        self._answer(200, {"type": "user", "name": name, "fullname": name.title(), "avatarUrl": "", "orgs": []})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def start_hub() -> tuple[str, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
