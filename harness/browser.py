"""Headless Chromium (Debian's package) as the browser tests and the gallery benchmark drive it."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def launch(playwright):
    """Chromium, started by a running sync_playwright()."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError("install Debian's chromium (apt-get install chromium) for the browser tests")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
