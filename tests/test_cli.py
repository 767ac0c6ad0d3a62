"""The command line's words and exit codes for each case a user meets (0 done, 1 job failed, 2 bad input)."""

import json
import time

import pytest

from harness.media import make_image, make_video
from tests.conftest import cli


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    return {"png": make_image(d / "still.png", 640, 480), "clip": make_video(d / "clip.mp4", 640, 360, seconds=3)}


@pytest.mark.parametrize("args, words", [
    (["--variant", "i2v", "--first-frame", "{png}", "--ratio", "16:9"],
     "--ratio does not apply to i2v: the first frame"),
    (["--variant", "edit", "--video", "{clip}", "--prompt", "x", "--duration", "5"],
     "--duration does not apply to edit"),
    (["--variant", "t2v", "--prompt", "x", "--reference", "{png}"], "--reference does not apply to t2v"),
    (["--variant", "t2v", "--prompt", "x", "--audio", "remove"], "--audio does not apply to t2v"),
    (["--variant", "i2v", "--first-frame", "frame-typo.png"], "--first-frame frame-typo.png: file not found"),
    (["--variant", "edit", "--video", "{png}", "--prompt", "x"], "is a PNG image, not a video"),
])
@pytest.mark.parametrize("command", ["generate", "quote"])
def test_bad_flags_and_files_exit_2_with_the_reason(tmp_path, files, command, args, words):
    args = [a.format(png=files["png"], clip=files["clip"]) for a in args]
    proc = cli(tmp_path / "data", command, *args)
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr
    assert "upload it again" not in proc.stderr and "UNKNOWN" not in proc.stderr


@pytest.mark.parametrize("command", ["show", "open", "wait", "cancel"])
def test_an_unknown_job_id_exits_2_naming_the_data_folder(tmp_path, command):
    proc = cli(tmp_path / "data", command, "nosuchjob")
    assert proc.returncode == 2, proc.stderr
    assert "no job 'nosuchjob'" in proc.stderr and str(tmp_path / "data") in proc.stderr


def test_no_wait_then_wait_show_open_and_cancel(tmp_path):
    data = tmp_path / "data"
    sent = cli(data, "generate", "--variant", "t2v", "--prompt", "a horse", "--duration", "3", "--no-wait")
    assert sent.returncode == 0, sent.stderr
    job_id = sent.stdout.strip()
    assert len(job_id) == 16 and f"wait {job_id}" in sent.stderr
    assert "Task was destroyed" not in sent.stderr and "Traceback" not in sent.stderr, sent.stderr
    deadline = time.monotonic() + 90  # nobody waits: the background follower renders and collects it
    while json.loads(cli(data, "show", job_id, "--json").stdout)["state"] != "succeeded":
        assert time.monotonic() < deadline, cli(data, "show", job_id).stdout
        time.sleep(0.5)

    waited = cli(data, "wait", job_id)
    assert waited.returncode == 0, waited.stderr
    assert waited.stdout.strip().endswith(".mp4")
    assert f"job {job_id}: done" in waited.stderr and "elapsed" in waited.stderr  # plain lines: not a terminal

    shown = cli(data, "show", job_id)
    assert shown.returncode == 0 and "done" in shown.stdout and waited.stdout.strip() in shown.stdout
    assert "cost: free (preview)" in shown.stdout
    assert json.loads(cli(data, "show", job_id, "--json").stdout)["id"] == job_id

    cancelled = cli(data, "cancel", job_id)
    assert cancelled.returncode == 0 and "had already finished (done)" in cancelled.stdout

    opened = cli(data, "open", job_id, env={"BROWSER": "false"})
    assert opened.returncode == 0 and "no player could be started here" in opened.stdout


def test_generate_shows_progress_with_expected_time_from_earlier_jobs(tmp_path):
    data = tmp_path / "data"
    first = cli(data, "generate", "--variant", "t2v", "--prompt", "a horse", "--duration", "3", "--json")
    assert first.returncode == 0 and "expected" not in first.stderr  # nothing to go by yet
    again = cli(data, "generate", "--variant", "t2v", "--prompt", "a horse", "--duration", "3", "--json")
    assert again.returncode == 0 and "expected" in again.stderr and "elapsed" in again.stderr
    assert json.loads(again.stdout)["state"] == "succeeded"  # stdout stays pure JSON


def test_collect_on_a_clip_that_is_here_prints_it_and_an_unknown_job_exits_2(tmp_path):
    data = tmp_path / "data"
    made = cli(data, "generate", "--variant", "t2v", "--prompt", "a horse, pan left", "--duration", "3", "--json")
    record = json.loads(made.stdout)
    here = cli(data, "collect", record["id"])
    assert here.returncode == 0 and here.stdout.strip() == record["output_path"]
    assert cli(data, "collect", "nosuchjob").returncode == 2


def cli_on(data_dir, *args, keys):
    """The CLI with exactly these provider settings (cli() removes every key from the environment)."""
    import os
    import subprocess
    import sys

    from harness.app import ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("DASHSCOPE_API_KEY", "INFERENCE_API_KEY", "STUDIO_BACKEND")}
    return subprocess.run([sys.executable, "-m", "studio", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env={**env, "STUDIO_DATA_DIR": str(data_dir), **keys})


def test_quote_names_the_model_and_1_1_is_the_default_on_dashscope(tmp_path):
    data, on_ds = tmp_path / "data", {"DASHSCOPE_API_KEY": "sk-test", "STUDIO_BACKEND": "dashscope"}
    shot = ["--variant", "t2v", "--prompt", "a horse", "--duration", "5", "--resolution", "1080P"]
    default = cli_on(data, "quote", *shot, keys=on_ds)
    assert default.returncode == 0 and default.stdout.startswith("$0.90 on HappyHorse 1.1:"), default.stderr
    old = cli_on(data, "quote", *shot, "--model", "happyhorse-1.0", "--json", keys=on_ds)
    assert json.loads(old.stdout)["total"] == 1.20 and json.loads(old.stdout)["model"] == "happyhorse-1.0"
    wan = cli_on(data, "quote", *shot, "--model", "wan2.7", keys=on_ds)
    assert wan.stdout.startswith("$0.75 on Wan 2.7:") and "unconfirmed" in wan.stdout
    on_inf = cli_on(data, "quote", *shot, keys={"INFERENCE_API_KEY": "inf_test", "STUDIO_BACKEND": "inferencesh"})
    assert on_inf.stdout.startswith("$1.20 on HappyHorse 1.0:"), on_inf.stderr


@pytest.mark.parametrize("args, words", [
    (["--model", "happyhorse-1.0", "--ratio", "21:9"], "21:9 is not offered on HappyHorse 1.0"),
    (["--model", "happyhorse-1.1", "--negative-prompt", "blur"], "HappyHorse 1.1 takes no negative prompt"),
    (["--prompt-extend"], "has no prompt rewrite"),
    (["--model", "happyhorse-1.1", "--backend", "inferencesh"], "HappyHorse 1.1 is not offered on inference.sh"),
    (["--model", "sora"], "invalid choice: 'sora'"),
])
def test_a_model_that_does_not_take_the_flags_exits_2_saying_so(tmp_path, args, words):
    proc = cli_on(tmp_path / "data", "quote", "--variant", "t2v", "--prompt", "x", *args,
                  keys={"INFERENCE_API_KEY": "inf_test", "STUDIO_BACKEND": "preview"})
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr


def test_generate_on_wan_records_the_model_and_its_choices(tmp_path):
    proc = cli(tmp_path / "data", "generate", "--variant", "t2v", "--prompt", "a horse", "--duration", "2",
               "--model", "wan2.7", "--negative-prompt", "text", "--no-prompt-extend", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert (record["model"], record["state"], record["request"]["negative_prompt"]) == ("wan2.7", "succeeded", "text")
    assert record["request"]["prompt_extend"] is False and "on Wan 2.7" in proc.stderr
