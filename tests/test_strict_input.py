"""Typed input is parsed strictly at the boundary: the API's loose values and the CLI's raw bytes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio import variants
from studio.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("fields, words", [
    (dict(duration=float("nan")), "give whole seconds from 3 to 15"),
    (dict(resolution=720), '"720P" or "1080P"'),
    (dict(prompt="a horse \ud800 runs"), "retype the text"),
    (dict(watermark="yes"), "give true or false"),
    (dict(watermark=1), "give true or false"),
    (dict(seed=float("inf")), "use 0 to"),
])
def test_loose_values_are_refused_in_words(fields, words):
    with pytest.raises(InputError) as e:
        variants.build("t2v", **{"prompt": "a horse", **fields})
    assert words in str(e.value)
    assert "object has no attribute" not in str(e.value) and "convert" not in str(e.value)


def test_watermark_false_as_text_is_off():
    assert variants.build("t2v", prompt="x", watermark="false").watermark is False
    assert variants.build("t2v", prompt="x", watermark="TRUE").watermark is True


def test_cli_exits_2_on_a_prompt_that_is_not_utf8(tmp_path):
    env = dict(os.environ, STUDIO_DATA_DIR=str(tmp_path), STUDIO_BACKEND="preview", PYTHONPATH=str(ROOT))
    argv = [sys.executable.encode(), b"-m", b"studio", b"quote", b"--variant", b"t2v", b"--prompt", b"a \xff horse"]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert b"not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr
