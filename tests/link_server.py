"""A file server on loopback for the link tests, and the only policy that lets the studio fetch from it.

The studio's own policy (studio.fetch.PUBLIC) refuses every loopback address, so a test that needs a
"public" link hands the studio OnlyThisServer: http or https to 127.0.0.1 on this server's port, nothing
else (every other loopback port, private range and the metadata address stay refused). It is installed
by code in a test process (tests/open_links_app.py), never by a setting.

Routes: /frame.png (a 640x400 PNG), /big.png (IMAGE cap + 1 MB, streamed without a length),
/long.png (a Content-Length past the cap), /to-metadata, /to-other-port, /loop (redirects),
/slow.png (answers after `slow` seconds), /missing.png (404). Every request's Host header is kept.
"""

from __future__ import annotations

import io
import ipaddress
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

from studio import fetch


def png(width: int = 640, height: int = 400, colour=(200, 120, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


@dataclass(frozen=True)
class OnlyThisServer(fetch.Policy):
    port: int = 0
    schemes: tuple[str, ...] = ("http", "https")
    read_seconds: float = 2.0

    def allows(self, ip, port: int) -> bool:
        return ip == ipaddress.ip_address("127.0.0.1") and port == self.port


class LinkServer:
    def __init__(self, slow: float = 5.0) -> None:
        self.hosts: list[str] = []
        frame = self.frame = png()
        big = fetch.KINDS["image"] + fetch.MB
        hosts = self.hosts

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                hosts.append(self.headers.get("Host", ""))
                route = self.path.split("?")[0]
                if route == "/frame.png":
                    return self._send(200, frame, "image/png")
                if route == "/big.png":
                    return self._chunked(big)
                if route == "/long.png":
                    self.send_response(200)
                    self.send_header("Content-Length", str(big))
                    self.end_headers()
                    return self.wfile.write(b"\x89PNG" + b"\0" * 1000)
                if route == "/to-metadata":
                    return self._redirect("http://169.254.169.254/latest/meta-data/")
                if route == "/to-other-port":
                    return self._redirect("http://127.0.0.1:9/frame.png")
                if route == "/loop":
                    return self._redirect("/loop")
                if route == "/slow.png":
                    time.sleep(slow)
                    return self._send(200, frame, "image/png")
                return self._send(404, b"not here", "text/plain")

            def _send(self, status, body, kind):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the studio gave up waiting (a timeout test)

            def _redirect(self, where):
                self.send_response(302)
                self.send_header("Location", where)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _chunked(self, size):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                block = b"\0" * 65536
                try:
                    for _ in range(size // len(block) + 1):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the studio stopped reading: that is the point

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.policy = OnlyThisServer(port=self.port)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
