"""DashScope protocol: request bodies, answers and errors, without a network.

The last part drives DashScopeBackend over httpx.MockTransport (in process) to
check what the shared driver does with each kind of failure.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from studio.backends import dashscope as ds
from studio.backends.base import JobSpec, TaskState, TaskStatus
from studio.config import Settings
from studio.errors import AmbiguousSubmit, ProviderError, TransientError
from studio.variants import AudioMode, Request, Variant
from tests.fake_transport import (
    DASHSCOPE_KEY,
    Fake,
    Sleeps,
    dashscope_backend,
    no_retry_wait,
)

KEY = DASHSCOPE_KEY
FRAME = "https://cdn.example/frame.png"
REFS = ("https://cdn.example/a.png", "https://cdn.example/b.png")
CLIP = "https://cdn.example/clip.mp4"


def spec(variant: Variant, **kw) -> JobSpec:
    return JobSpec(job_id="job-1", request=Request(variant=variant, **kw), seed=42)


# -- bodies ------------------------------------------------------------------------------


def test_t2v_body_sends_ratio_duration_watermark_and_seed():
    body = ds.build_create_body(spec(Variant.T2V, prompt="a horse", resolution="1080P", ratio="9:16",
                                     duration=7), {})
    assert body == {
        "model": "happyhorse-1.0-t2v",
        "input": {"prompt": "a horse"},
        "parameters": {"resolution": "1080P", "ratio": "9:16", "duration": 7, "watermark": False, "seed": 42},
    }


def test_i2v_body_has_one_first_frame_and_no_ratio():
    body = ds.build_create_body(spec(Variant.I2V, first_frame=FRAME, ratio="1:1", duration=3), {})
    assert body["model"] == "happyhorse-1.0-i2v"
    assert body["input"] == {"media": [{"type": "first_frame", "url": FRAME}]}  # prompt optional: absent
    assert "ratio" not in body["parameters"]
    assert body["parameters"]["duration"] == 3


def test_r2v_body_lists_every_reference_in_order_with_ratio():
    body = ds.build_create_body(spec(Variant.R2V, prompt="character1 runs", references=REFS, ratio="4:3",
                                     duration=5), {})
    assert body["model"] == "happyhorse-1.0-r2v"
    assert body["input"]["media"] == [{"type": "reference_image", "url": u} for u in REFS]
    assert body["parameters"]["ratio"] == "4:3"
    assert ds.REFERENCE_TOKEN.format(n=1) == "character1"


@pytest.mark.parametrize("audio, sent", [(AudioMode.AUTO, "auto"), (AudioMode.RETAIN, "origin"),
                                         (AudioMode.REMOVE, "auto"), (None, "auto")])
def test_edit_body_puts_video_first_and_maps_audio(audio, sent):
    body = ds.build_create_body(spec(Variant.EDIT, prompt="make it snow", video=CLIP, references=REFS[:1],
                                     audio=audio, duration=9, ratio="1:1"), {})
    assert body["model"] == "happyhorse-1.0-video-edit"
    assert body["input"]["media"] == [{"type": "video", "url": CLIP}, {"type": "reference_image", "url": REFS[0]}]
    params = body["parameters"]
    assert params["audio_setting"] == sent
    assert "duration" not in params and "ratio" not in params
    assert params["watermark"] is False and params["seed"] == 42


def test_watermark_is_always_sent_because_dashscope_defaults_to_true():
    for variant, kw in [(Variant.T2V, {}), (Variant.I2V, {"first_frame": FRAME}),
                        (Variant.R2V, {"references": REFS}), (Variant.EDIT, {"video": CLIP})]:
        assert ds.build_create_body(spec(variant, prompt="p", **kw), {})["parameters"]["watermark"] is False
    assert ds.build_create_body(spec(Variant.T2V, prompt="p", watermark=True), {})["parameters"]["watermark"] is True


def test_local_files_use_their_uploaded_urls_and_the_oss_header():
    body = ds.build_create_body(spec(Variant.I2V, first_frame="/tmp/me.png"), {"/tmp/me.png": "oss://dir/me.png"})
    assert body["input"]["media"][0]["url"] == "oss://dir/me.png"
    assert ds.create_headers(body) == {"X-DashScope-Async": "enable", "X-DashScope-OssResourceResolve": "enable"}
    plain = ds.build_create_body(spec(Variant.I2V, first_frame=FRAME), {})
    assert ds.create_headers(plain) == {"X-DashScope-Async": "enable"}


def test_a_local_file_that_was_not_uploaded_is_never_sent_as_a_path():
    with pytest.raises(ValueError):
        ds.build_create_body(spec(Variant.I2V, first_frame="/home/me/secret.png"), {})


def test_upload_form_has_the_exact_fields():
    policy = {"upload_host": "https://oss.example", "upload_dir": "dashscope-instant/abc", "policy": "P",
              "signature": "S", "oss_access_key_id": "AK", "x_oss_object_acl": "private",
              "x_oss_forbid_overwrite": "true"}
    assert ds.upload_form(policy, "f.png", "image/png") == {
        "OSSAccessKeyId": "AK", "Signature": "S", "policy": "P", "key": "dashscope-instant/abc/f.png",
        "x-oss-object-acl": "private", "x-oss-forbid-overwrite": "true", "success_action_status": "200",
        "x-oss-content-type": "image/png"}


# -- answers ------------------------------------------------------------------------------


def test_created_answer_gives_task_and_request_ids():
    sub = ds.parse_created({"output": {"task_id": "t-1", "task_status": "PENDING"}, "request_id": "r-1"})
    assert (sub.task_id, sub.request_id) == ("t-1", "r-1")
    with pytest.raises((KeyError, TypeError, ValueError)):
        ds.parse_created({"request_id": "r-1"})


@pytest.mark.parametrize("name, state", [("PENDING", TaskState.PENDING), ("RUNNING", TaskState.RUNNING),
                                         ("SUSPENDED", TaskState.PENDING), ("CANCELED", TaskState.CANCELED),
                                         ("UNKNOWN", TaskState.UNKNOWN)])
def test_task_states(name, state):
    st = ds.parse_task({"output": {"task_id": "t", "task_status": name}, "request_id": "r"})
    assert st.state is state and st.request_id == "r"
    assert st.state.terminal == (name in ("CANCELED", "UNKNOWN"))


def test_unknown_task_reads_as_expired():
    st = ds.parse_task({"output": {"task_id": "t", "task_status": "UNKNOWN"}})
    assert st.state is TaskState.UNKNOWN and st.error_code == "expired" and "24 hours" in st.error_message


def test_succeeded_task_gives_url_billed_seconds_and_actual_prompt():
    st = ds.parse_task({"request_id": "r", "output": {"task_id": "t", "task_status": "SUCCEEDED",
                                                      "video_url": "https://x/v.mp4", "actual_prompt": "ap"},
                        "usage": {"duration": 12, "input_video_duration": 6, "output_video_duration": 6}})
    assert st == TaskStatus(TaskState.SUCCEEDED, progress=1.0, video_url="https://x/v.mp4", billed_seconds=12.0,
                            request_id="r", actual_prompt="ap")


def test_a_finished_task_says_how_long_it_ran_by_the_providers_clock():
    out = {"task_status": "SUCCEEDED", "video_url": "https://x/v.mp4", "submit_time": "2025-09-25 17:28:20.000",
           "scheduled_time": "2025-09-25 17:28:21.500", "end_time": "2025-09-25 17:28:48.123"}
    assert ds.parse_task({"output": out}).ran_seconds == pytest.approx(28.123)
    for missing in ({"end_time": None}, {"submit_time": "soon"}, {"end_time": "2025-09-25 17:28:10.000"}):
        assert ds.parse_task({"output": {**out, **missing}}).ran_seconds is None  # unknown, never made up


def test_succeeded_without_a_link_is_a_failure():
    st = ds.parse_task({"output": {"task_status": "SUCCEEDED"}})
    assert st.state is TaskState.FAILED and st.error_code == "no_output"


def test_failed_task_keeps_code_and_explains_it():
    st = ds.parse_task({"output": {"task_status": "FAILED", "code": "DataInspectionFailed", "message": "bad"}})
    assert st.state is TaskState.FAILED and st.error_code == "DataInspectionFailed"
    assert "moderation" in st.error_message and "Change the prompt or images" in st.error_message


@pytest.mark.parametrize("data", [None, [], {"output": None}, {"output": {"task_status": "DANCING"}}])
def test_unreadable_task_answers_raise(data):
    with pytest.raises(ValueError):
        ds.parse_task(data)


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("status, code, words, transient", [
    (403, "Arrearage", "Top up your Alibaba Cloud account", False),
    (429, "Throttling.RateQuota", "rate limiting", True),
    (429, "Throttling.AllocationQuota", "rate limiting", True),
    (400, "DataInspectionFailed", "refused by moderation", False),
    (401, "InvalidApiKey", "check DASHSCOPE_API_KEY", False),
    (400, "InvalidParameter", "duration must be 3 to 15", False),
    (404, "ModelNotFound", "not available for this key or region", False),
    (403, "AccessDenied", "access was denied", False),
    (500, "InternalServerError", "internal error", True),
])
def test_error_codes_become_words_and_keep_code_and_request_id(status, code, words, transient):
    err = ds.parse_error(status, {"request_id": "req-9", "code": code, "message": "duration must be 3 to 15"})
    assert words.lower() in str(err).lower()
    assert (err.code, err.request_id, err.status) == (code, "req-9", status)
    assert isinstance(err, TransientError) is transient


def test_error_without_json_still_says_something():
    err = ds.parse_error(502, None)
    assert isinstance(err, TransientError) and "502" in str(err) and err.code == "http_502"


# -- over an in-process transport ------------------------------------------------------------


def backend(handler, sleeps=None) -> tuple[ds.DashScopeBackend, Fake]:
    return dashscope_backend(handler, sleeps)


def run(coro):
    return asyncio.run(coro)


async def _submit(b, s):
    try:
        return await b.submit(s)
    finally:
        await b.aclose()


T2V = spec(Variant.T2V, prompt="a horse")
CREATED = {"output": {"task_id": "t-1", "task_status": "PENDING"}, "request_id": "r-1"}


def test_info_and_from_settings(tmp_path):
    b = ds.DashScopeBackend.from_settings(Settings(data_dir=tmp_path, dashscope_key=KEY,
                                                   dashscope_url="https://dashscope.aliyuncs.com",
                                                   dashscope_region="beijing"))
    assert (b.info.name, b.info.label, b.info.region) == ("dashscope", "DashScope", "beijing")
    assert b.info.requests_per_minute <= 300 and b.info.poll_initial <= b.info.poll_max
    assert KEY not in repr(b) and KEY not in repr(b.http)
    with pytest.raises(ProviderError, match="DASHSCOPE_API_KEY"):
        ds.DashScopeBackend.from_settings(Settings(data_dir=tmp_path))
    run(b.aclose())


def test_submit_sends_async_header_and_bearer_key():
    b, fake = backend(lambda r: httpx.Response(200, json=CREATED))
    sub = run(_submit(b, T2V))
    assert sub.task_id == "t-1"
    req = fake.requests[0]
    assert req.url.path == ds.CREATE_PATH and req.headers["X-DashScope-Async"] == "enable"
    assert req.headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_server_error_on_create_is_ambiguous_and_never_resent(status):
    b, fake = backend(lambda r: httpx.Response(status, json={"code": "InternalServerError", "message": "x"}))
    with pytest.raises(AmbiguousSubmit, match="will not send it again"):
        run(_submit(b, T2V))
    assert fake.paths("POST") == [ds.CREATE_PATH]


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.WriteError])
def test_a_dropped_create_is_ambiguous_and_never_resent(exc):
    def handler(r):
        raise exc("boom", request=r)
    b, fake = backend(handler)
    with pytest.raises(AmbiguousSubmit):
        run(_submit(b, T2V))
    assert len(fake.requests) == 1


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ConnectTimeout])
def test_a_create_that_never_connected_is_transient(exc):
    def handler(r):
        raise exc("refused", request=r)
    b, fake = backend(handler)
    with pytest.raises(TransientError) as info:
        run(_submit(b, T2V))
    assert not isinstance(info.value, AmbiguousSubmit) and "no job was started" in str(info.value)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status, code", [(429, "Throttling.RateQuota"), (503, "ServiceUnavailable")])
def test_a_clear_refusal_of_create_is_transient_with_retry_after(status, code):
    b, fake = backend(lambda r: httpx.Response(status, headers={"Retry-After": "7"},
                                               json={"code": code, "message": "busy", "request_id": "q"}))
    with pytest.raises(TransientError) as info:
        run(_submit(b, T2V))
    assert info.value.retry_after == 7.0 and info.value.request_id == "q" and len(fake.requests) == 1


def test_an_unreadable_create_answer_is_ambiguous():
    b, _ = backend(lambda r: httpx.Response(200, content=b"{not json"))
    with pytest.raises(AmbiguousSubmit, match="could not be read"):
        run(_submit(b, T2V))


def test_reads_retry_honouring_retry_after_then_succeed():
    answers = [httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(429),
               httpx.Response(200, json={"output": {"task_status": "RUNNING"}})]
    sleeps = Sleeps()
    b, fake = backend(lambda r: answers.pop(0), sleeps)
    assert run(b.status("t-1")).state is TaskState.RUNNING
    assert len(fake.requests) == 3 and sleeps[0] >= 2.0


def test_reads_give_up_with_transient_error_after_bounded_tries():
    def handler(r):
        raise httpx.ConnectError("refused", request=r)
    b, fake = backend(handler)
    with pytest.raises(TransientError, match="after 3 tries"):
        run(b.status("t-1"))
    assert len(fake.requests) == 3


def test_a_very_long_retry_after_is_handed_back_not_slept():
    sleeps = Sleeps()
    b, fake = backend(lambda r: httpx.Response(429, headers={"Retry-After": "120"},
                                               json={"code": "Throttling.RateQuota"}), sleeps)
    with pytest.raises(TransientError) as info:
        run(b.status("t"))
    assert info.value.retry_after == 120.0 and sleeps == [] and len(fake.requests) == 1


def test_cancel_true_when_pending_false_when_no_longer_pending():
    b, fake = backend(lambda r: httpx.Response(200, json={"request_id": "r"}))
    assert run(b.cancel("t-1")) is True and fake.paths() == ["/api/v1/tasks/t-1/cancel"]
    b, _ = backend(lambda r: httpx.Response(400, json={"code": "UnsupportedOperation", "message": "not PENDING"}))
    assert run(b.cancel("t-1")) is False


def test_the_key_never_appears_in_errors_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    echo = {"code": "InvalidApiKey", "message": f"Invalid API-key provided: {KEY}", "request_id": "r"}
    b, _ = backend(lambda r: httpx.Response(401, json=echo))
    with pytest.raises(ProviderError) as info:
        run(_submit(b, T2V))
    for text in (str(info.value), repr(info.value), *(str(a) for a in info.value.args), caplog.text):
        assert KEY not in text
    assert "DASHSCOPE_API_KEY" in str(info.value)
    b, _ = backend(lambda r: httpx.Response(500, json=echo))
    with pytest.raises(AmbiguousSubmit) as info:
        run(_submit(b, T2V))
    assert KEY not in str(info.value)


def test_local_inputs_go_through_the_temporary_upload(tmp_path):
    frame = tmp_path / "frame.png"
    frame.write_bytes(b"\x89PNG fake")
    policy = {"output": {"upload_host": "http://oss.test/", "upload_dir": "dir/x", "policy": "P", "signature": "S",
                         "oss_access_key_id": "AK", "x_oss_object_acl": "private",
                         "x_oss_forbid_overwrite": "true"}}

    def handler(r):
        if r.url.path == "/api/v1/uploads":
            return httpx.Response(200, json=policy)
        if r.url.host == "oss.test":
            return httpx.Response(200)
        return httpx.Response(200, json=CREATED)

    b, fake = backend(handler)
    run(_submit(b, spec(Variant.I2V, first_frame=str(frame))))
    get_policy, upload, create = fake.requests
    assert dict(get_policy.url.params) == {"action": "getPolicy", "model": "happyhorse-1.0-i2v"}
    assert "authorization" not in upload.headers  # the key stays with DashScope
    form = upload.content.decode(errors="replace")
    for name in ("OSSAccessKeyId", "Signature", "policy", "key", "x-oss-object-acl", "x-oss-forbid-overwrite",
                 "success_action_status", "x-oss-content-type", 'name="file"'):
        assert name in form
    body = httpx.Response(200, content=create.content).json()
    url = body["input"]["media"][0]["url"]
    assert url.startswith("oss://dir/x/") and url.endswith("-frame.png")
    assert create.headers["X-DashScope-OssResourceResolve"] == "enable"


def test_download_uses_no_key_and_checks_length(tmp_path):
    def handler(r):
        assert "authorization" not in r.headers
        if r.url.path == "/gone.mp4":
            return httpx.Response(403)
        if r.url.path == "/short.mp4":
            return httpx.Response(200, headers={"Content-Length": "100"}, content=b"x" * 40)
        return httpx.Response(200, content=b"y" * 5000)

    b, _ = backend(handler)
    seen = []
    run(b.download(TaskStatus(TaskState.SUCCEEDED, video_url="http://cdn.test/ok.mp4"), tmp_path / "a", seen.append))
    assert (tmp_path / "a").read_bytes() == b"y" * 5000 and seen[-1] == 1.0
    with pytest.raises(ProviderError, match="expired") as info:
        run(b.download(TaskStatus(TaskState.SUCCEEDED, video_url="http://cdn.test/gone.mp4"), tmp_path / "b"))
    assert info.value.code == "expired" and not isinstance(info.value, TransientError)
    with pytest.raises(TransientError, match="cut short"):
        run(b.download(TaskStatus(TaskState.SUCCEEDED, video_url="http://cdn.test/short.mp4"), tmp_path / "c"))
    assert not (tmp_path / "c").exists()


def test_a_refused_cancel_of_an_already_cancelled_task_counts_as_cancelled():
    def handler(r):
        if r.url.path.endswith("/cancel"):
            return httpx.Response(400, json={"code": "UnsupportedOperation", "message": "not PENDING"})
        return httpx.Response(200, json={"output": {"task_id": "t-1", "task_status": "CANCELED"}})

    b, fake = backend(handler)
    assert run(b.cancel("t-1")) is True
    assert fake.paths() == ["/api/v1/tasks/t-1/cancel", "/api/v1/tasks/t-1"]


def test_upload_policy_is_read_from_data_or_output():
    fields = {"upload_host": "h", "upload_dir": "d", "policy": "p", "signature": "s", "oss_access_key_id": "a"}
    assert ds.parse_policy({"data": fields}) == fields == ds.parse_policy({"output": fields})
    with pytest.raises(ValueError):
        ds.parse_policy({"data": {**fields, "signature": ""}})


def test_an_upload_whose_first_try_landed_unseen_is_not_an_error(tmp_path):
    (tmp_path / "f.png").write_bytes(b"png")
    policy = {"output": {"upload_host": "http://oss.test/", "upload_dir": "d", "policy": "P", "signature": "S",
                         "oss_access_key_id": "AK"}}
    oss = [httpx.Response(504), httpx.Response(409, content=b"<Code>FileAlreadyExists</Code>")]
    b, fake = backend(lambda r: httpx.Response(200, json=policy) if r.url.path == "/api/v1/uploads"
                      else oss.pop(0) if r.url.host == "oss.test" else httpx.Response(200, json=CREATED))
    assert run(_submit(b, spec(Variant.I2V, first_frame=str(tmp_path / "f.png")))).task_id == "t-1"
    assert [r.url.host for r in fake.requests] == ["ds.test", "oss.test", "oss.test", "ds.test"]


# -- models: HappyHorse 1.1, Wan 2.7, and the account's own answers ------------------------


def test_each_model_sends_its_catalogue_id_and_wan_its_own_fields():
    body = ds.build_create_body(spec(Variant.T2V, prompt="a horse", ratio="21:9", duration=5,
                                     model="happyhorse-1.1"), {})
    assert body["model"] == "happyhorse-1.1-t2v" and body["parameters"]["ratio"] == "21:9"
    assert "prompt_extend" not in body["parameters"] and "negative_prompt" not in body["input"]
    wan = ds.build_create_body(spec(Variant.EDIT, prompt="snow", video=CLIP, model="wan2.7",
                                    negative_prompt="blur", prompt_extend=False), {})
    assert wan["model"] == "wan2.7-videoedit"
    assert wan["input"]["negative_prompt"] == "blur" and wan["parameters"]["prompt_extend"] is False


def test_a_model_dashscope_has_no_id_for_is_refused_before_anything_is_sent():
    b, fake = backend(lambda r: httpx.Response(200, json=CREATED))
    with pytest.raises(ProviderError, match="Video edit runs on HappyHorse 1.0 or Wan 2.7: there is no 1.1 edit"):
        run(_submit(b, spec(Variant.EDIT, prompt="snow", video="/tmp/clip.mp4", model="happyhorse-1.1")))
    assert fake.requests == []


def test_the_rewritten_prompt_is_read_from_actual_prompt():
    st = ds.parse_task({"output": {"task_status": "SUCCEEDED", "video_url": "https://x/v.mp4",
                                   "orig_prompt": "a horse", "actual_prompt": "a horse. Golden light."}})
    assert st.actual_prompt == "a horse. Golden light."
    plain = ds.parse_task({"output": {"task_status": "SUCCEEDED", "video_url": "https://x/v.mp4", "orig_prompt": "a"}})
    assert plain.actual_prompt is None  # orig_prompt is the prompt as sent, not a rewrite


PLAN_KEY = "sk-sp-SECRET-plan-key-5678"
QUOTA = {"code": "Throttling.AllocationQuota", "message": "Allocated quota exceeded, please increase your quota limit.",
         "request_id": "q"}


def test_a_plans_used_up_credits_are_said_in_words_and_never_waited_out():
    paused = []
    fake = Fake(lambda r: httpx.Response(429, headers={"Retry-After": "5"}, json=QUOTA))
    b = ds.DashScopeBackend(PLAN_KEY, "http://ds.test", "singapore", transport=httpx.MockTransport(fake),
                            retry=no_retry_wait())
    b.on_throttle(paused.append)
    with pytest.raises(ProviderError) as info:
        run(_submit(b, T2V))
    assert not isinstance(info.value, TransientError) and info.value.code == "Throttling.AllocationQuota"
    assert "your plan's credits are used up" in str(info.value) and "slow" not in str(info.value)
    assert PLAN_KEY not in str(info.value) and len(fake.requests) == 1
    b2 = ds.DashScopeBackend(PLAN_KEY, "http://ds.test", "singapore", transport=httpx.MockTransport(fake),
                             retry=no_retry_wait())
    b2.on_throttle(paused.append)
    with pytest.raises(ProviderError, match="plan's credits"):
        run(b2.status("t"))  # a read is not retried or paused for either
    assert paused == [] and len(fake.requests) == 2


def test_the_same_quota_answer_on_a_pay_as_you_go_key_is_a_slow_down():
    err = ds.parse_error(429, QUOTA)
    assert isinstance(err, TransientError) and "rate limiting" in str(err)


def test_free_tier_only_tells_the_user_to_switch_it_off_in_the_console():
    answer = {"code": "AllocationQuota.FreeTierOnly", "request_id": "q",
              "message": "The free tier of the model has been exhausted."}
    for status in (403, 429):
        err = ds.parse_error(status, answer)
        assert not isinstance(err, TransientError)
        assert "free-tier-only setting off in the Model Studio console" in str(err)
    failed = ds.parse_task({"output": {"task_status": "FAILED", "code": "Throttling.AllocationQuota",
                                       "message": "Allocated quota exceeded"}}, plan_key=True)
    assert "plan's credits are used up" in failed.error_message
