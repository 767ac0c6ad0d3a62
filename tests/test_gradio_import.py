"""Gradio imported without its stub writer: nothing written beside component classes, the studio still built."""

from __future__ import annotations

import subprocess
import sys

from harness.app import ROOT

SUBCLASS = "import gradio as gr\n\n\nclass Box(gr.HTML):\n    pass\n"


def run(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": f"{ROOT}:{cwd}", "PATH": "/usr/bin:/bin"})


def test_a_component_class_defined_after_the_skip_gets_no_stub_file_beside_it(tmp_path):
    (tmp_path / "box.py").write_text(SUBCLASS)
    done = run("from studio.gradio_import import skip_stub_writing\n"
               "assert skip_stub_writing()\n"
               "import box, gradio.component_meta as meta\n"
               "print(meta.create_or_modify_pyi.__name__)", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["_no_stub"]
    assert not (tmp_path / "box.pyi").exists()


def test_without_the_skip_gradio_writes_one_which_is_what_the_skip_saves(tmp_path):
    (tmp_path / "box.py").write_text(SUBCLASS)
    done = run("import box", tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "box.pyi").exists()


def test_called_after_gradio_is_imported_it_says_it_is_too_late(tmp_path):
    done = run("import gradio\n"
               "from studio.gradio_import import skip_stub_writing\n"
               "print(skip_stub_writing())", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]
