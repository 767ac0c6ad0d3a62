"""The studio end to end on the preview backend: service, CLI, and restarts."""

import json
from pathlib import Path

import pytest

from harness.media import make_image, make_video
from studio import config
from studio.jobs.model import JobState
from studio.media.inspect import probe_video
from studio.service import LOCAL, Studio
from tests.conftest import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")})).start()
    yield s
    s.close()


def run(studio, variant, **fields):
    job = studio.core.submit(LOCAL, studio.core.prepare(variant, **fields))
    return studio.core.wait(LOCAL, job.id, timeout=120)


def test_text_to_video_preview_has_the_asked_shape_and_sound(studio):
    job = run(studio, "t2v", prompt="neon city, crane up", ratio="9:16", duration=4, seed=11)
    assert job.state is JobState.SUCCEEDED, job.error_message
    info = probe_video(job.output_path)
    assert (info.width, info.height) == (720, 1280)
    assert abs(info.duration - 4) < 0.1
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert job.seed == 11 and job.cost_usd == 0.0 and job.quote_usd == 0.56
    assert Path(job.poster_path).stat().st_size > 0
    assert not list((studio.settings.data_dir / "preview").glob(f"{job.task_id}.*"))  # working files dropped


def test_image_to_video_keeps_the_frame_shape(studio, tmp_path):
    frame = make_image(tmp_path / "frame.webp", 900, 1200, fmt="WEBP")
    job = run(studio, "i2v", first_frame=str(frame), prompt="pull back", duration=3)
    info = probe_video(job.output_path)
    assert (info.width, info.height) == (720, 960) and abs(info.duration - 3) < 0.1


def test_reference_to_video_and_a_random_seed_is_recorded(studio, tmp_path):
    refs = [str(make_image(tmp_path / f"r{i}.png", 720, 720, colour=(40 * i, 90, 200))) for i in range(3)]
    job = run(studio, "r2v", prompt="[Image 1] spins, orbit", references=refs, ratio="1:1", duration=3)
    info = probe_video(job.output_path)
    assert (info.width, info.height) == (720, 720) and abs(info.duration - 3) < 0.1
    assert job.request.seed is None and 0 <= job.seed <= 2147483647


@pytest.mark.parametrize("audio, has_sound", [("remove", False), ("retain", True), ("auto", True)])
def test_video_edit_follows_the_source_and_the_audio_mode(studio, tmp_path, audio, has_sound):
    src = make_video(tmp_path / "src.mov", 640, 360, seconds=4, fmt="mov")
    job = run(studio, "edit", video=str(src), prompt="make it warmer", audio=audio)
    assert job.state is JobState.SUCCEEDED, job.error_message
    info = probe_video(job.output_path)
    assert (info.width, info.height) == (1280, 720) and abs(info.duration - 4) < 0.1
    assert (info.audio_codec is not None) is has_sound
    assert job.quote_usd == 1.12  # 4 s in + 4 s out at $0.14


def test_inputs_are_kept_after_the_upload_is_gone(studio, tmp_path):
    frame = make_image(tmp_path / "frame.png", 640, 480)
    job = run(studio, "i2v", first_frame=str(frame), duration=3)
    frame.unlink()
    kept = Path(job.request.first_frame)
    assert kept.exists() and kept.parent == studio.settings.data_dir / "inputs"
    again = studio.core.wait(LOCAL, studio.core.retry(LOCAL, job.id).id, timeout=120)
    assert again.state is JobState.SUCCEEDED and again.parent_id == job.id


def test_cli_generate_prints_the_record_and_the_ledger_survives(tmp_path):
    data = tmp_path / "data"
    proc = cli(data, "generate", "--variant", "t2v", "--prompt", "a horse, slow pan", "--duration", "3",
               "--resolution", "720P", "--ratio", "4:3", "--seed", "5", "--watermark", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["state"] == "succeeded" and record["seed"] == 5 and record["request"]["watermark"] is True
    assert (probe_video(record["output_path"]).width, record["height"]) == (960, 720)
    listed = json.loads(cli(data, "jobs", "--json").stdout)  # a new process: read back from the ledger
    assert [j["id"] for j in listed] == [record["id"]] and listed[0]["output_path"] == record["output_path"]


@pytest.mark.parametrize("args, words", [
    (["--variant", "t2v", "--prompt", "x", "--duration", "20"], "3 to 15"),
    (["--variant", "t2v", "--prompt", ""], "needs a prompt"),
    (["--variant", "i2v", "--first-frame", "missing.png"], "file not found"),
    (["--variant", "t2v", "--prompt", "x", "--seed", "-4"], "2147483647"),
    (["--variant", "t2v", "--prompt", "x", "--backend", "dashscope"], "DASHSCOPE_API_KEY"),
])
def test_cli_refuses_bad_input_with_exit_2(tmp_path, args, words):
    proc = cli(tmp_path / "data", "generate", *args)
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr
    assert json.loads(cli(tmp_path / "data", "jobs", "--json").stdout) == []  # nothing was recorded


def test_cli_refuses_a_file_that_is_not_what_its_name_says(tmp_path):
    fake = tmp_path / "frame.png"
    fake.write_text("not an image")
    proc = cli(tmp_path / "data", "generate", "--variant", "i2v", "--first-frame", str(fake))
    assert proc.returncode == 2 and "First frame" in proc.stderr


def test_reference_hint_follows_the_backends_token_style(tmp_path):
    base = {"STUDIO_DATA_DIR": str(tmp_path / "d")}
    assert Studio(config.load(base)).advice.reference_token(1) == "[Image 1]"
    assert Studio(config.load({**base, "INFERENCE_API_KEY": "inf_x"})).advice.reference_token(3) == "[Image 3]"
    assert Studio(config.load({**base, "DASHSCOPE_API_KEY": "sk-x"})).advice.reference_token(2) == "character2"


def test_gallery_says_plainly_what_a_job_cost_or_may_cost():
    from studio import variants as v
    from studio.jobs.model import Job
    from studio.ui.tiles import cost_line

    def job(**kw):
        return Job(id="j", owner="local", request=v.build("t2v", prompt="x"), backend="dashscope", quote_usd=0.7, **kw)

    assert cost_line(job(state=JobState.SUCCEEDED, cost_usd=0.56)) == "$0.56"
    assert cost_line(job(state=JobState.FAILED, error_code="DataInspectionFailed")).startswith("not billed")
    assert cost_line(job(state=JobState.CANCELLED, error_code="cancelled")).startswith("not billed")
    assert cost_line(job(state=JobState.UNSURE, error_code="unsure")).startswith("may be billed ≈ $0.70")
    assert cost_line(job(state=JobState.CANCELLED, error_code="stopped_waiting")).startswith("may be billed")
    assert cost_line(job(state=JobState.RUNNING)) == "≈ $0.70 quoted"
    preview = Job(id="p", owner="local", request=v.build("t2v", prompt="x"), backend="preview", quote_usd=0.7)
    assert cost_line(preview).startswith("preview · free")
