"""inference.sh protocol: app inputs, task objects, stream lines and problem+json, without a network.

The last part drives InferenceShBackend over httpx.MockTransport (in process).
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from studio.backends import inferencesh as inf
from studio.backends.base import JobSpec, TaskState
from studio.config import Settings
from studio.errors import AmbiguousSubmit, ProviderError, TransientError
from studio.variants import AudioMode, Request, Variant
from tests.fake_transport import Fake, no_retry_wait

KEY = "inf_SECRET-do-not-leak-5678"
FRAME = "https://cdn.example/frame.png"
REFS = ("https://cdn.example/a.png", "https://cdn.example/b.png")
CLIP = "https://cdn.example/clip.mp4"


def spec(variant: Variant, webhook: str | None = None, **kw) -> JobSpec:
    return JobSpec(job_id="job-1", request=Request(variant=variant, **kw), seed=7, webhook_url=webhook)


# -- bodies ------------------------------------------------------------------------------


def test_t2v_body():
    body = inf.build_create_body(spec(Variant.T2V, prompt="a horse", ratio="16:9", duration=5), {})
    assert body == {"app": "alibaba/happyhorse-1-0-t2v", "infra": "cloud",
                    "input": {"prompt": "a horse", "resolution": "720P", "ratio": "16:9", "duration": 5,
                              "watermark": False, "seed": 7}}


def test_i2v_body_uses_first_frame_and_no_ratio():
    body = inf.build_create_body(spec(Variant.I2V, first_frame=FRAME, ratio="1:1", duration=4), {})
    assert body["app"] == "alibaba/happyhorse-1-0-i2v"
    assert body["input"] == {"first_frame": FRAME, "resolution": "720P", "duration": 4, "watermark": False,
                             "seed": 7}


def test_r2v_body_uses_reference_images():
    body = inf.build_create_body(spec(Variant.R2V, prompt="[Image 1] waves", references=REFS, ratio="3:4",
                                      duration=15, resolution="1080P"), {})
    assert body["app"] == "alibaba/happyhorse-1-0-r2v"
    assert body["input"]["reference_images"] == list(REFS)
    assert (body["input"]["ratio"], body["input"]["duration"], body["input"]["resolution"]) == ("3:4", 15, "1080P")
    assert inf.REFERENCE_TOKEN.format(n=2) == "[Image 2]"


@pytest.mark.parametrize("audio, sent", [(AudioMode.AUTO, "auto"), (AudioMode.RETAIN, "origin"),
                                         (AudioMode.REMOVE, "auto")])
def test_edit_body_uses_video_and_audio_setting_without_duration(audio, sent):
    body = inf.build_create_body(spec(Variant.EDIT, prompt="snow", video=CLIP, references=REFS, audio=audio,
                                      duration=8, ratio="1:1"), {})
    assert body["app"] == "alibaba/happyhorse-1-0-video-edit"
    assert body["input"] == {"prompt": "snow", "video": CLIP, "reference_images": list(REFS), "resolution": "720P",
                             "watermark": False, "audio_setting": sent, "seed": 7}


def test_edit_without_references_sends_none():
    body = inf.build_create_body(spec(Variant.EDIT, prompt="snow", video=CLIP), {})
    assert "reference_images" not in body["input"] and body["input"]["audio_setting"] == "auto"


def test_webhook_goes_in_the_body_when_given():
    body = inf.build_create_body(spec(Variant.T2V, webhook="https://me.example/hook", prompt="p"), {})
    assert body["webhook"] == "https://me.example/hook"


def test_local_inputs_use_their_uris():
    body = inf.build_create_body(spec(Variant.EDIT, prompt="p", video="/tmp/c.mp4", references=("/tmp/r.png",)),
                                 {"/tmp/c.mp4": "inf://files/c", "/tmp/r.png": "inf://files/r"})
    assert body["input"]["video"] == "inf://files/c" and body["input"]["reference_images"] == ["inf://files/r"]
    with pytest.raises(ValueError):
        inf.build_create_body(spec(Variant.I2V, first_frame="/tmp/private.png"), {})


def test_files_body():
    assert inf.build_files_body(["/x/a.png", "/y/b.mp4"], [10, 20]) == {"files": [
        {"filename": "a.png", "content_type": "image/png", "size": 10},
        {"filename": "b.mp4", "content_type": "video/mp4", "size": 20}]}


# -- task objects ---------------------------------------------------------------------------

EXPECTED = {0: TaskState.PENDING, 1: TaskState.PENDING, 2: TaskState.PENDING, 3: TaskState.PENDING,
            4: TaskState.PENDING, 5: TaskState.PENDING, 6: TaskState.PENDING, 7: TaskState.RUNNING,
            8: TaskState.RUNNING, 9: TaskState.RUNNING, 10: TaskState.SUCCEEDED, 11: TaskState.FAILED,
            12: TaskState.CANCELED, 13: TaskState.FAILED}


@pytest.mark.parametrize("number", range(14))
def test_status_numbers_and_names_agree(number):
    name = inf.STATUS_NAMES[number]
    task = {"id": "t", "output": {"video": "https://x/v.mp4"}, "error": "boom"}
    by_number = inf.parse_task({"data": {**task, "status": number}})
    by_name = inf.parse_task({**task, "status": name})
    assert by_number == by_name and by_number.state is EXPECTED[number]
    assert by_number.state.terminal == (number >= 10)


def test_cancelling_and_uploading_are_not_terminal():
    assert not inf.parse_task({"status": "cancelling"}).state.terminal
    assert not inf.parse_task({"status": 9}).state.terminal


def test_completed_accepts_a_url_string_or_a_file_object():
    assert inf.parse_task({"status": 10, "output": {"video": "https://x/a.mp4"}}).video_url == "https://x/a.mp4"
    st = inf.parse_task({"status": "completed", "output": {"video": {"uri": "https://x/b.mp4", "size": 99}}})
    assert (st.video_url, st.video_bytes, st.progress) == ("https://x/b.mp4", 99, 1.0)
    empty = inf.parse_task({"status": 10, "output": {}})
    assert empty.state is TaskState.FAILED and empty.error_code == "no_output"


def test_failed_rejected_and_cancelled_say_why():
    failed = inf.parse_task({"status": 11, "error": "GPU fell over"})
    assert failed.error_code == "failed" and "GPU fell over" in failed.error_message
    rejected = inf.parse_task({"status": "rejected"})
    assert rejected.state is TaskState.FAILED and rejected.error_code == "rejected"
    assert "no balance" in rejected.error_message and "Top up" in rejected.error_message
    assert inf.parse_task({"status": 12}).state is TaskState.CANCELED


@pytest.mark.parametrize("data", [None, {"data": None}, {"id": "t"}, {"status": 99}, {"status": "dancing"},
                                  {"status": True}])
def test_unreadable_tasks_raise(data):
    with pytest.raises(ValueError):
        inf.parse_task(data)


def test_created_answer_is_unwrapped():
    assert inf.parse_created({"data": {"id": "task-9", "status": 1}, "messages": []}).task_id == "task-9"
    with pytest.raises((KeyError, TypeError, ValueError)):
        inf.parse_created({"data": {}})


def test_stream_lines():
    assert inf.parse_event('{"type": "heartbeat"}') == inf.HEARTBEAT
    assert inf.parse_event("") is None and inf.parse_event("not json") is None
    assert inf.parse_event('{"data": {"status": 7}, "fields": ["status"]}') == {"status": 7}
    assert inf.parse_event('{"id": "t", "status": "running"}') == {"id": "t", "status": "running"}
    assert inf.parse_event('data: {"status": 10, "output": {"video": "u"}}')["status"] == 10
    assert inf.parse_event('{"type": "log", "content": "x"}') is None


# -- problem+json ------------------------------------------------------------------------------


@pytest.mark.parametrize("status, code, words, transient", [
    (429, "rate_limited", "rate limiting", True),
    (401, "unauthorized", "Check INFERENCE_API_KEY", False),
    (412, "requirements_not_met", "no balance", False),
    (402, "rejected", "no balance", False),
    (400, "blocked_by_usage_policy", "Change the prompt or images", False),
    (422, "validation_error", "refused a parameter: duration must be 3-15", False),
    (400, "invalid_request", "refused a parameter", False),
    (403, "forbidden", "refused access", False),
    (404, "not_found", "does not know", False),
    (500, "internal_error", "internal error", True),
])
def test_problem_codes_become_words(status, code, words, transient):
    err = inf.parse_error(status, {"type": f"https://api.inference.sh/problems/{code}", "title": "T",
                                   "detail": "duration must be 3-15", "status": status, "request_id": "rq"})
    assert words.lower() in str(err).lower()
    assert (err.code, err.status, err.request_id) == (code, status, "rq")
    assert isinstance(err, TransientError) is transient


def test_problem_text_prefers_detail_then_title_then_message():
    assert "D" in str(inf.parse_error(422, {"type": "x/validation_error", "detail": "D", "title": "T"}))
    assert "T" in str(inf.parse_error(422, {"type": "x/validation_error", "title": "T", "message": "M"}))
    assert "M" in str(inf.parse_error(422, {"type": "x/validation_error", "message": "M"}))


def test_problem_code_falls_back_to_the_http_status():
    assert inf.parse_error(401, {"title": "nope"}).code == "unauthorized"
    assert inf.parse_error(412, None).code == "requirements_not_met"
    assert isinstance(inf.parse_error(503, None), TransientError)


# -- over an in-process transport ------------------------------------------------------------


def backend(handler, **kw):
    fake = Fake(handler)
    b = inf.InferenceShBackend(KEY, "http://inf.test", retry=no_retry_wait(), transport=httpx.MockTransport(fake), **kw)
    return b, fake


def run(coro):
    return asyncio.run(coro)


async def collect(b, task_id):
    try:
        return [st async for st in b.watch(task_id)]
    finally:
        await b.aclose()


def ndjson(*objs) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objs)


def test_info_and_from_settings(tmp_path):
    b = inf.InferenceShBackend.from_settings(Settings(data_dir=tmp_path, inference_key=KEY))
    assert (b.info.name, b.info.label) == ("inferencesh", "inference.sh") and KEY not in repr(b)
    with pytest.raises(ProviderError, match="INFERENCE_API_KEY"):
        inf.InferenceShBackend.from_settings(Settings(data_dir=tmp_path))
    run(b.aclose())


def test_watch_follows_partial_updates_and_skips_heartbeats():
    lines = ndjson({"data": {"id": "t", "status": 2}}, {"type": "heartbeat"},
                   {"data": {"status": "running"}, "fields": ["status"]}, {"type": "heartbeat"},
                   {"data": {"status": 10, "output": {"video": {"uri": "https://x/v.mp4"}}},
                    "fields": ["status", "output"]},
                   {"data": {"status": 11}})  # never read: the stream ends at the terminal state

    b, fake = backend(lambda r: httpx.Response(200, content=lines))
    seen = run(collect(b, "t"))
    assert [s.state for s in seen] == [TaskState.PENDING, TaskState.RUNNING, TaskState.SUCCEEDED]
    assert seen[-1].video_url == "https://x/v.mp4"
    assert fake.requests[0].headers["Accept"] == "application/x-ndjson" and len(fake.requests) == 1


def test_watch_rechecks_with_get_after_a_long_run_of_heartbeats():
    def handler(r):
        if r.url.path.endswith("/stream"):
            return httpx.Response(200, content=ndjson({"status": 7}, *[{"type": "heartbeat"}] * 5))
        return httpx.Response(200, json={"data": {"id": "t", "status": 10, "output": {"video": "https://x/v"}}})

    b, fake = backend(handler, heartbeat_recheck=3)
    seen = run(collect(b, "t"))
    assert [s.state for s in seen] == [TaskState.RUNNING, TaskState.SUCCEEDED]
    assert [r.url.path for r in fake.requests] == ["/tasks/t/stream", "/tasks/t"]


def test_watch_gives_up_with_transient_error_when_the_stream_keeps_ending():
    def handler(r):
        if r.url.path.endswith("/stream"):
            return httpx.Response(200, content=ndjson({"type": "heartbeat"}))
        return httpx.Response(200, json={"data": {"id": "t", "status": 7}})

    b, fake = backend(handler, max_reconnects=1)
    with pytest.raises(TransientError, match="stream"):
        run(collect(b, "t"))
    assert sum(r.url.path.endswith("/stream") for r in fake.requests) == 2


def test_status_404_means_the_task_is_gone():
    b, _ = backend(lambda r: httpx.Response(404, json={"type": "x/not_found", "detail": "no task"}))
    assert run(b.status("t")).state is TaskState.UNKNOWN


def test_cancel_true_unless_the_task_already_ended():
    b, _ = backend(lambda r: httpx.Response(200, json={"data": {"id": "t", "status": 8}}))
    assert run(b.cancel("t")) is True
    b, _ = backend(lambda r: httpx.Response(200, json={"data": {"id": "t", "status": 10}}))
    assert run(b.cancel("t")) is False
    b, _ = backend(lambda r: httpx.Response(409, json={"type": "x/conflict", "detail": "already done"}))
    assert run(b.cancel("t")) is False


def test_create_is_sent_once_whatever_happens():
    def handler(r):
        raise httpx.ReadTimeout("slow", request=r)
    b, fake = backend(handler)
    with pytest.raises(AmbiguousSubmit):
        run(b.submit(spec(Variant.T2V, prompt="p")))
    assert len(fake.requests) == 1


def test_uploads_register_then_put_without_the_key(tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00" * 64)

    def handler(r):
        if r.url.path == "/files":
            return httpx.Response(200, json={"data": [{"upload_url": "http://store.test/put/1?sig=abc",
                                                       "uri": "https://store.test/f/1"}]})
        if r.url.host == "store.test":
            return httpx.Response(200)
        return httpx.Response(200, json={"data": {"id": "t-1", "status": 1}})

    b, fake = backend(handler)
    assert run(b.submit(spec(Variant.EDIT, prompt="p", video=str(clip)))).task_id == "t-1"
    files, put, create = fake.requests
    assert json.loads(files.content)["files"][0]["size"] == 64
    assert put.method == "PUT" and put.content == b"\x00" * 64 and "authorization" not in put.headers
    assert json.loads(create.content)["input"]["video"] == "https://store.test/f/1"


def test_the_key_never_appears_in_errors_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    b, _ = backend(lambda r: httpx.Response(401, json={"type": "x/unauthorized", "detail": f"bad key {KEY}"}))
    with pytest.raises(ProviderError) as info:
        run(b.submit(spec(Variant.T2V, prompt="p")))
    assert KEY not in str(info.value) and KEY not in repr(info.value) and KEY not in caplog.text
    assert "INFERENCE_API_KEY" in str(info.value)


def test_a_base_url_without_a_scheme_is_refused_up_front():
    with pytest.raises(ProviderError, match="https://") as info:
        inf.InferenceShBackend(KEY, "api.inference.sh")
    assert info.value.code == "bad_base_url" and KEY not in str(info.value)


# -- models: only the apps inference.sh has, Wan's fields, the rewritten prompt ----------------


async def _submit(b, s):
    try:
        return await b.submit(s)
    finally:
        await b.aclose()


def test_wan_runs_its_own_app_with_its_fields_always_deciding_the_rewrite():
    body = inf.build_create_body(spec(Variant.T2V, prompt="a horse", ratio="1:1", duration=2, model="wan2.7",
                                      negative_prompt="blur", prompt_extend=False), {})
    assert body["app"] == "alibaba/wan-2-7-t2v"
    assert (body["input"]["negative_prompt"], body["input"]["prompt_extend"], body["input"]["duration"]) == (
        "blur", False, 2)
    assert "prompt_extend" not in inf.build_create_body(spec(Variant.T2V, prompt="a horse"), {})["input"]


def test_1_1_is_refused_in_words_before_anything_is_sent():
    b, fake = backend(lambda r: httpx.Response(200, json={"data": {"id": "t", "status": 1}}))
    with pytest.raises(ProviderError) as info:
        run(_submit(b, spec(Variant.I2V, first_frame="/tmp/f.png", model="happyhorse-1.1")))
    assert info.value.code == "no_app" and "inference.sh has no HappyHorse 1.1 app" in str(info.value)
    assert "choose happyhorse-1.0 or wan2.7" in str(info.value) and fake.requests == []


def test_an_app_inference_sh_does_not_have_is_said_in_words():
    problem = {"type": "https://api.inference.sh/problems/not_found", "title": "Not found", "status": 404,
               "detail": "app alibaba/wan-2-7-t2v not found"}
    b, fake = backend(lambda r: httpx.Response(404, json=problem))
    with pytest.raises(ProviderError) as info:
        run(_submit(b, spec(Variant.T2V, prompt="a horse", model="wan2.7")))
    words = str(info.value)
    assert info.value.code == "no_app" and "inference.sh has no app alibaba/wan-2-7-t2v" in words
    assert "Nothing was started" in words and "choose happyhorse-1.0" in words and len(fake.requests) == 1


def test_the_rewritten_prompt_comes_back_with_the_clip():
    st = inf.parse_task({"status": 10, "output": {"video": "https://x/v.mp4", "actual_prompt": " a horse. Dusk. "}})
    assert st.actual_prompt == "a horse. Dusk."
    assert inf.parse_task({"status": 10, "output": {"video": "https://x/v.mp4"}}).actual_prompt is None
