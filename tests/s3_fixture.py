"""A real S3-protocol server on loopback for the tests: moto's standalone server (moto[server], its
ThreadedMotoServer: a werkzeug HTTP server speaking the S3 REST API), a fresh bucket per test, and
a TCP proxy in front of it that can cut or stall uploads the way a bad network does.


    def test_something(bucket):   # bucket.settings() -> MediaSettings for s3://<fresh bucket>

The studio talks to it through obstore over real HTTP; the tests look at what the server holds
with boto3, straight to moto, never through the studio's code. Nothing here mocks a client library.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from dataclasses import dataclass

import pytest

from studio.media.store.settings import BucketAccess, MediaSettings

KEY_ID, SECRET = "studio-test-key", "studio-test-secret-never-shown"
REGION = "us-east-1"
_names = itertools.count(1)


@dataclass
class S3Server:
    endpoint: str
    client: object  # boto3's S3 client, straight to the server

    def objects(self, bucket: str, prefix: str = "") -> dict[str, int]:
        """Every object the server shows in the bucket: key -> size."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return {o["Key"]: o["Size"] for page in pages for o in page.get("Contents", [])}


@dataclass
class Bucket:
    server: S3Server
    name: str

    def settings(self, prefix: str = "", endpoint: str | None = None, cache_bytes: int = 256 * 2**20) -> MediaSettings:
        url = f"s3://{self.name}" + (f"/{prefix}" if prefix else "")
        return MediaSettings(url=url, cache_bytes=cache_bytes, access=BucketAccess(
            endpoint=endpoint or self.server.endpoint, region=REGION, allow_http=True,
            access_key_id=KEY_ID, secret_access_key=SECRET))

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """The environment a studio process needs to reach this bucket."""
        return {"AWS_ENDPOINT_URL": endpoint or self.server.endpoint, "AWS_ALLOW_HTTP": "true",
                "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}

    def objects(self, prefix: str = "") -> dict[str, int]:
        return self.server.objects(self.name, prefix)


@pytest.fixture(scope="session")
def s3_server():
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                          aws_secret_access_key=SECRET)
    yield S3Server(endpoint, client)
    server.stop()


@pytest.fixture
def bucket(s3_server) -> Bucket:
    name = f"clips-{next(_names)}-{int(time.time() * 1000) % 10**8}"
    s3_server.client.create_bucket(Bucket=name)
    return Bucket(s3_server, name)


class Proxy:
    """A TCP proxy on loopback in front of the server. cut_after(n, times): a connection that has sent
    n request bytes is closed on both sides (the next `times` connections; None: every one).
    stall_after(n): once n request bytes in all have passed, nothing more is forwarded (an upload hangs)."""

    def __init__(self, upstream: str):
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sent = 0          # request bytes forwarded, all connections
        self.cuts = 0          # connections cut
        self._cut_at: int | None = None
        self._cuts_left: int | None = None
        self._stall_at: int | None = None
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, n: int, times: int | None = None) -> None:
        with self._lock:
            self._cut_at, self._cuts_left = n, times

    def stall_after(self, n: int) -> None:
        with self._lock:
            self._stall_at = self.sent + n

    def heal(self) -> None:
        with self._lock:
            self._cut_at = self._cuts_left = self._stall_at = None

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        for s in list(self._open):
            _close(s)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._open += [client, server]
            threading.Thread(target=self._requests, args=(client, server), daemon=True).start()
            threading.Thread(target=self._answers, args=(server, client), daemon=True).start()

    def _requests(self, client: socket.socket, server: socket.socket) -> None:
        mine = 0  # request bytes this connection forwarded
        try:
            while data := client.recv(65536):
                while data and not self._closed:
                    with self._lock:
                        room = len(data)
                        if self._stall_at is not None:
                            room = min(room, max(0, self._stall_at - self.sent))
                        cut = self._cut_at is not None and self._cuts_left != 0 and mine + room >= self._cut_at
                        if cut:
                            room = max(0, self._cut_at - mine)
                            self.cuts += 1
                            if self._cuts_left is not None:
                                self._cuts_left -= 1
                        self.sent += room
                    mine += room
                    server.sendall(data[:room])
                    data = data[room:]
                    if cut:
                        raise ConnectionAbortedError
                    if data:
                        time.sleep(0.05)  # stalled: hold the rest until healed (or closed)
        except OSError:
            pass
        _close(client)
        _close(server)

    def _answers(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                client.sendall(data)
        except OSError:
            pass
        _close(client)
        _close(server)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


@pytest.fixture
def proxy(s3_server):
    p = Proxy(s3_server.endpoint)
    yield p
    p.close()
