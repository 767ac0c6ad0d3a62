"""Several browsers' identities on replicas that share one secret: what the replica test and benchmark send."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gradio_client import Client

from studio.anonymous import Signer, studio_secret

SECRET = "replica-test-secret"  # STUDIO_SECRET of every replica: identities are signed with it


def identities(count: int) -> list[str]:
    """Identity cookies of `count` browsers, signed as the replicas sign them."""
    signer = Signer(studio_secret(SECRET, Path(".")))
    return [signer.mint() for _ in range(count)]


def owner_of(token: str) -> str:
    """The owner a browser with this identity cookie is in the ledger."""
    return "anon:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def client(app, token: str) -> Client:
    """gradio_client on a replica as the browser with this identity."""
    return Client(app.url, verbose=False, headers={"Cookie": f"happyhorse_studio_id={token}"})
