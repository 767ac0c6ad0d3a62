"""`python -m studio compare` end to end, as a subprocess against the emulator over loopback HTTP: the quote
line by line before anything is sent, linked jobs with the same prompt and seed, every record with --json,
--no-wait, and refusals that exit 2 with nothing sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from harness.app import ROOT

SHOT = ["--variant", "t2v", "--prompt", "a grey horse gallops along a beach at dawn", "--duration", "3"]


def on_emulator(emulator) -> dict[str, str]:
    return {"STUDIO_BACKEND": "dashscope", "DASHSCOPE_API_KEY": "sk-test-secret-0001",
            "DASHSCOPE_BASE_URL": emulator.url, "STUDIO_REQUESTS_PER_MINUTE": "0"}


def cli(data_dir, *args, env) -> subprocess.CompletedProcess:
    """`python -m studio ARGS` with exactly these provider settings (none of this environment's keys)."""
    mine = {k: v for k, v in os.environ.items() if k not in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY",
                                                             "STUDIO_BACKEND", "DASHSCOPE_BASE_URL")}
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=180, env=mine | {"STUDIO_DATA_DIR": str(data_dir)} | env)


def test_compare_quotes_each_model_then_sends_linked_jobs_with_the_same_prompt_and_seed(tmp_path, emulator):
    data = tmp_path / "data"
    proc = cli(data, "compare", "--models", "happyhorse-1.1,wan2.7", *SHOT, "--json", env=on_emulator(emulator))
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)  # stdout is pure JSON: one record per model, in the order given
    assert [r["model"] for r in records] == ["happyhorse-1.1", "wan2.7"]
    assert [r["state"] for r in records] == ["succeeded", "succeeded"]
    assert len({r["compare_id"] for r in records}) == 1 and [r["compare_position"] for r in records] == [0, 1]
    assert records[0]["seed"] == records[1]["seed"] and records[0]["request"]["prompt"] == records[1]["request"]["prompt"]
    quote = proc.stderr.index("$0.42 on HappyHorse 1.1")
    assert quote < proc.stderr.index("$0.30 on Wan 2.7") < proc.stderr.index("$0.72 in all for 2 clips") \
        < proc.stderr.index("submitted")  # the quote is shown before anything is spent
    tasks = emulator.control.tasks()
    bodies = [tasks[r["task_id"]]["request"]["body"] for r in records]
    assert [b["model"] for b in bodies] == ["happyhorse-1.1-t2v", "wan2.7-t2v"]
    assert {b["parameters"]["seed"] for b in bodies} == {records[0]["seed"]}
    assert {b["input"]["prompt"] for b in bodies} == {SHOT[3]}
    shown = json.loads(cli(data, "show", records[1]["id"], "--json", env=on_emulator(emulator)).stdout)
    assert shown["compare_id"] == records[0]["compare_id"]
    told = cli(data, "show", records[1]["id"], env=on_emulator(emulator)).stdout
    assert f"compare {records[0]['compare_id']}: {records[0]['id']} (HappyHorse 1.1, done), " \
           f"{records[1]['id']} (Wan 2.7, this one, done)" in told


def test_compare_without_json_prints_each_clip_and_follows_them_by_model(tmp_path, emulator):
    proc = cli(tmp_path / "data", "compare", "--models", "wan2.7,happyhorse-1.0", *SHOT, "--seed", "99",
               env=on_emulator(emulator))
    assert proc.returncode == 0, proc.stderr
    clips = proc.stdout.split()
    assert len(clips) == 2 and all(c.endswith(".mp4") for c in clips)
    assert "(Wan 2.7): done" in proc.stderr and "(HappyHorse 1.0): done" in proc.stderr and "seed 99" in proc.stderr
    assert {t["request"]["body"]["parameters"]["seed"] for t in emulator.control.tasks().values()} == {99}


def test_compare_no_wait_prints_the_ids_and_the_clips_are_collected_in_the_background(tmp_path, emulator):
    data = tmp_path / "data"
    sent = cli(data, "compare", "--models", "happyhorse-1.1,happyhorse-1.0", *SHOT, "--no-wait",
               env=on_emulator(emulator))
    assert sent.returncode == 0, sent.stderr
    ids = sent.stdout.split()
    assert len(ids) == 2 and all(len(i) == 16 for i in ids) and "Traceback" not in sent.stderr
    deadline = time.monotonic() + 90
    for job_id in ids:
        while json.loads(cli(data, "show", job_id, "--json", env=on_emulator(emulator)).stdout)["state"] != "succeeded":
            assert time.monotonic() < deadline, job_id
            time.sleep(0.5)
    assert emulator.control.creates("dashscope") == 2


@pytest.mark.parametrize("args, words", [
    (["--models", "happyhorse-1.1,happyhorse-1.0", "--ratio", "21:9"],
     "Aspect ratio 21:9 is not offered on HappyHorse 1.0: only HappyHorse 1.1 takes it"),
    (["--models", "happyhorse-1.1"], "2 or 3 models; you gave 1"),
    (["--models", "happyhorse-1.1,sora"], "Model 'sora' is not offered"),
    (["--models", "happyhorse-1.1,wan2.7", "--reference", "x.png"], "--reference does not apply to t2v"),
    (["--models", "happyhorse-1.1,wan2.7", "--negative-prompt", "blur", "--duration", "2"],
     "A duration of 2 s is not offered on HappyHorse 1.1"),
])
def test_a_compare_that_cannot_be_made_exits_2_and_sends_nothing(tmp_path, emulator, args, words):
    proc = cli(tmp_path / "data", "compare", *SHOT[:4], *args, env=on_emulator(emulator))
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr
    assert "submitted" not in proc.stderr and emulator.control.creates("dashscope") == 0


def test_the_caps_refuse_the_whole_compare_from_the_command_line(tmp_path, emulator):
    proc = cli(tmp_path / "data", "compare", "--models", "happyhorse-1.1,wan2.7", *SHOT,
               env=on_emulator(emulator) | {"STUDIO_BUDGET_USER_DAY": "0.50"})
    assert proc.returncode == 2 and "this $0.72 job would pass it" in proc.stderr, proc.stderr
    assert emulator.control.creates("dashscope") == 0
    listed = cli(tmp_path / "data", "jobs", "--json", env=on_emulator(emulator))
    assert json.loads(listed.stdout) == []
