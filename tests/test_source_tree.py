"""Importing the studio writes nothing into its source tree (Gradio once wrote a .pyi stub beside a module
that subclassed one of its components: studio.ui.compat.validated_by)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from harness.app import ROOT

IMPORT_ALL = """
import importlib, pkgutil, sys, tempfile
import harness, studio
for package in (studio, harness):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
from studio import config
from studio.service import Studio
from studio.ui.app import build
build(Studio(config.load({"STUDIO_DATA_DIR": tempfile.mkdtemp()})))  # the page, every component made
"""


def tree() -> dict[str, float]:
    found = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", ".venv", ".pytest_cache", ".hypothesis")
                   and not (Path(folder) == ROOT / "bench" and d == "screenshots")]
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(ROOT))] = path.stat().st_mtime
    return found


def test_importing_every_module_and_building_the_page_writes_nothing_into_the_source_tree(tmp_path):
    before = tree()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    after = tree()
    assert sorted(set(after) - set(before)) == []  # no new file
    assert [p for p in before if p in after and after[p] != before[p]] == []  # no file rewritten


def test_the_stylesheet_closes_every_block_it_opens():
    """A rule left open (a merge that kept one side's brace) silently swallows every rule after it."""
    css = re.sub(r"/\*.*?\*/", "", (ROOT / "assets" / "studio.css").read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"studio.css closes a block it never opened by line {number}"
    assert depth == 0, f"studio.css leaves {depth} block(s) open"
