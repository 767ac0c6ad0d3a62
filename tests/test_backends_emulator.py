"""Both adapters over real loopback HTTP against the emulator.

Every variant goes submit -> status/watch -> download -> a real MP4 probed with
PyAV; every injected fault checks what the adapter raises or returns, and what
the adapter sent (counted by its transport as it goes) proves a create was
never sent twice.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import av
import pytest
from PIL import Image

from studio import variants
from studio.backends import dashscope as ds
from studio.backends import inferencesh as inf
from studio.backends.base import JobSpec, TaskState, TaskStatus
from studio.backends.dashscope import DashScopeBackend
from studio.backends.http import RetryPolicy, Timeouts
from studio.backends.inferencesh import InferenceShBackend
from studio.errors import AmbiguousSubmit, ProviderError, TransientError
from studio.media.ffmpeg import run_sync
from tests.conftest import wait_until
from tests.fake_transport import Recorded, Sleeps

KEYS = {"dashscope": "sk-test", "inferencesh": "inf_test"}
CREATE_PATHS = {"dashscope": "/api/v1/services/aigc/video-generation/video-synthesis",
                "inferencesh": "/apps/run"}
PROTOCOLS = ("dashscope", "inferencesh")


def make(protocol: str, url: str, key: str | None = None, sleeps: Sleeps | None = None, **kw):
    """The adapter on the emulator; backend.recorded is what it sent and was answered."""
    retry = RetryPolicy(tries=3, base=0.01, cap=0.02, sleep=Sleeps() if sleeps is None else sleeps)
    recorded = Recorded()
    if protocol == "dashscope":
        backend = DashScopeBackend(key or KEYS[protocol], url, "singapore", retry=retry, transport=recorded, **kw)
    else:
        backend = InferenceShBackend(key or KEYS[protocol], url, retry=retry, transport=recorded, **kw)
    backend.recorded = recorded
    return backend


def run(coro):
    return asyncio.run(coro)


async def closing(backend, coro):
    try:
        return await coro
    finally:
        await backend.aclose()


def creates_sent(backend, protocol: str) -> int:
    return backend.recorded.count("POST", CREATE_PATHS[protocol])


def no_key(exc: BaseException) -> None:
    for key in KEYS.values():
        assert key not in str(exc) and key not in repr(exc)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("media")
    Image.new("RGB", (640, 360), (200, 120, 40)).save(d / "frame.png")
    Image.new("RGB", (720, 720), (40, 90, 200)).save(d / "ref one.png")
    Image.new("RGB", (800, 600), (30, 160, 60)).save(d / "ref2.jpg", quality=90)
    clip = d / "clip.mp4"
    run_sync(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=24:d=4", "-f", "lavfi", "-i", "sine=f=440:d=4",
              "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
              str(clip)])
    return {"frame": str(d / "frame.png"), "ref1": str(d / "ref one.png"), "ref2": str(d / "ref2.jpg"),
            "clip": str(clip)}


def request(variant: str, media: dict[str, str], protocol: str | None = None) -> variants.Request:
    """A request for the variant on the protocol's default model (HappyHorse 1.1 on DashScope, 1.0 on
    inference.sh); without a protocol, on the default every backend runs (the fault tests send it to either)."""
    token = (inf.REFERENCE_TOKEN if protocol == "inferencesh" else ds.REFERENCE_TOKEN).format
    on = {"backend": protocol}
    if variant == "t2v":
        return variants.build("t2v", prompt="a horse on a beach at sunset", ratio="16:9", duration=3, **on)
    if variant == "i2v":
        return variants.build("i2v", first_frame=media["frame"], duration=3, **on)
    if variant == "r2v":
        return variants.build("r2v", prompt=f"{token(n=1)} and {token(n=2)} gallop along the shore",
                              references=[media["ref1"], media["ref2"]], ratio="9:16", duration=3, **on)
    return variants.build("edit", prompt="make it snow", video=media["clip"], references=[media["ref1"]],
                          audio="retain", resolution="720P", **on)


EXPECTED = {"t2v": (1280, 720, 3.0), "i2v": (1280, 720, 3.0), "r2v": (720, 1280, 3.0), "edit": (1280, 720, 4.0)}


def probe(path: Path) -> tuple[int, int, float, bool]:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264"
        seconds = float(c.duration / av.time_base)
        return v.codec_context.width, v.codec_context.height, seconds, bool(c.streams.audio)


async def until_done(backend, task_id: str, timeout: float = 30.0) -> TaskStatus:
    end = time.monotonic() + timeout
    while True:
        st = await backend.status(task_id)
        if st.state.terminal or time.monotonic() > end:
            return st
        await asyncio.sleep(0.05)


async def generate(backend, spec: JobSpec, dest: Path, watch: bool = False):
    sub = await backend.submit(spec)
    seen: list[TaskStatus] = []
    stream = backend.watch(sub.task_id) if watch else None
    if stream is not None:
        seen = [st async for st in stream]
        final = seen[-1]
    else:
        final = await until_done(backend, sub.task_id)
    progress: list[float] = []
    if final.state is TaskState.SUCCEEDED:
        await backend.download(final, dest, progress.append)
    return sub, final, seen, progress


# -- every variant, end to end ------------------------------------------------------------


@pytest.mark.parametrize("variant", ["t2v", "i2v", "r2v", "edit"])
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_variant_end_to_end(emulator, media, tmp_path, protocol, variant):
    b = make(protocol, emulator.url)
    spec = JobSpec(job_id="j", request=request(variant, media, protocol), seed=1234,
                   webhook_url="http://127.0.0.1:9/hook" if protocol == "inferencesh" else None)
    dest = tmp_path / "out.mp4"
    sub, final, seen, progress = run(closing(b, generate(b, spec, dest, watch=protocol == "inferencesh")))
    assert final.state is TaskState.SUCCEEDED, final
    width, height, seconds, audio = probe(dest)
    w, h, s = EXPECTED[variant]
    assert (width, height) == (w, h) and abs(seconds - s) < 0.3 and audio
    assert progress and progress[-1] == 1.0
    assert emulator.control.creates(protocol) == 1 and creates_sent(b, protocol) == 1
    task = emulator.control.tasks()[sub.task_id]
    assert task["variant"] == variant
    if protocol == "dashscope":
        assert final.billed_seconds == (8.0 if variant == "edit" else 3.0)  # edit bills input + output
    else:
        assert [s.state for s in seen][-1] is TaskState.SUCCEEDED and len(seen) >= 2
        assert task["webhook"] == "http://127.0.0.1:9/hook"


def test_inferencesh_polling_and_string_statuses_and_string_outputs(emulator, media, tmp_path):
    emulator.control.configure(string_status=True, output_as_string=True)
    for watch in (True, False):
        b = make("inferencesh", emulator.url)
        spec = JobSpec(job_id="j", request=request("t2v", media), seed=5)
        _, final, seen, _ = run(closing(b, generate(b, spec, tmp_path / f"{watch}.mp4", watch=watch)))
        assert final.state is TaskState.SUCCEEDED and probe(tmp_path / f"{watch}.mp4")[:2] == (1280, 720)
    assert emulator.control.creates("inferencesh") == 2


# -- faults on create: never sent twice ------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("status", [429, 503])
def test_a_refused_create_is_transient_and_nothing_was_created(emulator, media, protocol, status):
    emulator.control.add_fault(on="create", protocol=protocol, kind="http", status=status, retry_after=3)
    b = make(protocol, emulator.url)
    with pytest.raises(TransientError) as info:
        run(closing(b, b.submit(JobSpec("j", request("t2v", media), seed=1))))
    assert not isinstance(info.value, AmbiguousSubmit) and info.value.retry_after == 3.0
    assert creates_sent(b, protocol) == 1 and emulator.control.creates(protocol) == 0
    no_key(info.value)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("fault", [{"kind": "http", "status": 500}, {"kind": "http", "status": 502},
                                   {"kind": "drop"}, {"kind": "malformed"}])
def test_an_ambiguous_create_is_never_resent(emulator, media, protocol, fault):
    emulator.control.add_fault(on="create", protocol=protocol, **fault)
    b = make(protocol, emulator.url)
    with pytest.raises(AmbiguousSubmit) as info:
        run(closing(b, b.submit(JobSpec("j", request("i2v", media), seed=1))))
    no_key(info.value)
    assert creates_sent(b, protocol) == 1
    if fault["kind"] != "http":  # drop and malformed act after the task was created
        assert emulator.control.creates(protocol) == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_create_that_times_out_is_ambiguous_and_never_resent(emulator, media, protocol):
    emulator.control.add_fault(on="create", protocol=protocol, kind="slow", delay=1.0)
    b = make(protocol, emulator.url, timeouts=Timeouts.all(0.3))
    with pytest.raises(AmbiguousSubmit):
        run(closing(b, b.submit(JobSpec("j", request("t2v", media), seed=1))))
    # the task appears when the slow answer is done, after we gave up
    wait_until(lambda: emulator.control.creates(protocol), 10, "the slow create's task at the emulator")
    assert emulator.control.creates(protocol) == 1 and creates_sent(b, protocol) == 1


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_upload_failures_are_retried_and_the_create_goes_once(emulator, media, tmp_path, protocol):
    emulator.control.add_fault(on="upload", protocol=protocol, kind="http", status=503)
    b = make(protocol, emulator.url)
    _, final, _, _ = run(closing(b, generate(b, JobSpec("j", request("edit", media), seed=1), tmp_path / "o.mp4")))
    assert final.state is TaskState.SUCCEEDED and creates_sent(b, protocol) == 1


@pytest.mark.parametrize("protocol, on", [("dashscope", "policy"), ("inferencesh", "files")])
def test_a_failure_before_create_sends_no_create(emulator, media, protocol, on):
    emulator.control.add_fault(on=on, protocol=protocol, kind="malformed")
    b = make(protocol, emulator.url)
    with pytest.raises(TransientError) as info:
        run(closing(b, b.submit(JobSpec("j", request("i2v", media), seed=1))))
    assert not isinstance(info.value, AmbiguousSubmit) and creates_sent(b, protocol) == 0


@pytest.mark.parametrize("protocol, words", [("dashscope", "DASHSCOPE_API_KEY"), ("inferencesh", "INFERENCE_API_KEY")])
def test_a_wrong_key_says_which_setting_and_never_shows_the_key(emulator, media, protocol, words):
    secret = "bad-secret-777"  # the wrong shape: the emulator refuses it when strict, as the providers do
    emulator.control.configure(strict_keys=True)
    b = make(protocol, emulator.url, key=secret)
    with pytest.raises(ProviderError) as info:
        run(closing(b, b.submit(JobSpec("j", request("t2v", media), seed=1))))
    assert words in str(info.value) and secret not in str(info.value) and secret not in repr(info.value)


# -- faults on reads -----------------------------------------------------------------------------


async def submitted(b, media, variant="t2v"):
    return (await b.submit(JobSpec("j", request(variant, media), seed=1))).task_id


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_status_retries_busy_answers_honouring_retry_after(emulator, media, protocol):
    sleeps = Sleeps()
    b = make(protocol, emulator.url, sleeps=sleeps)

    async def go():
        task_id = await submitted(b, media)
        emulator.control.add_fault(on="status", protocol=protocol, kind="http", status=503, retry_after=1, times=2)
        return await until_done(b, task_id)

    assert run(closing(b, go())).state is TaskState.SUCCEEDED
    assert sleeps[:2] and min(sleeps[:2]) >= 1.0


async def read_with_fault(b, media, protocol: str, emu, **fault) -> TaskStatus:
    """Submit a t2v, arm one fault on status reads, read the status once."""
    task_id = await submitted(b, media)
    emu.control.add_fault(on="status", protocol=protocol, **fault)
    return await b.status(task_id)


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("fault", [{"kind": "drop"}, {"kind": "slow", "delay": 1.0}, {"kind": "http", "status": 504}])
def test_status_survives_one_drop_timeout_or_gateway_error(emulator, media, protocol, fault):
    b = make(protocol, emulator.url, timeouts=Timeouts.all(0.4))
    st = run(closing(b, read_with_fault(b, media, protocol, emulator, **fault)))
    assert st.state in (TaskState.PENDING, TaskState.RUNNING, TaskState.SUCCEEDED)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_status_gives_up_with_transient_error_when_always_rate_limited(emulator, media, protocol):
    b = make(protocol, emulator.url)
    with pytest.raises(TransientError):
        run(closing(b, read_with_fault(b, media, protocol, emulator, kind="http", status=429, times=-1)))
    assert b.recorded.statuses.count(429) == 3  # bounded: the policy's three tries, then TransientError


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_unreadable_status_is_transient(emulator, media, protocol):
    b = make(protocol, emulator.url)
    with pytest.raises(TransientError, match="could not read"):
        run(closing(b, read_with_fault(b, media, protocol, emulator, kind="malformed")))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_expired_task_reads_unknown(emulator, media, protocol):
    b = make(protocol, emulator.url)
    st = run(closing(b, read_with_fault(b, media, protocol, emulator, kind="unknown")))
    assert st.state is TaskState.UNKNOWN and st.state.terminal and st.error_code == "expired"


@pytest.mark.parametrize("protocol, fault, code, words", [
    ("dashscope", {"code": "DataInspectionFailed"}, "DataInspectionFailed", "moderation"),
    ("dashscope", {"code": "rejected"}, "Arrearage", "Top up your Alibaba Cloud account"),
    ("inferencesh", {"message": "GPU exploded"}, "failed", "GPU exploded"),
    ("inferencesh", {"code": "rejected"}, "rejected", "no balance"),
])
def test_failed_tasks_say_why(emulator, media, tmp_path, protocol, fault, code, words):
    emulator.control.add_fault(on="create", protocol=protocol, kind="fail_task", **fault)
    b = make(protocol, emulator.url)
    _, final, _, _ = run(closing(b, generate(b, JobSpec("j", request("t2v", media), seed=1), tmp_path / "x",
                                             watch=True)))
    assert final.state is TaskState.FAILED and final.error_code == code and words in final.error_message


# -- the stream ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [{"kind": "drop", "after_lines": 1}, {"kind": "drop"}])
def test_a_broken_stream_raises_transient_so_the_runner_polls(emulator, media, fault):
    emulator.control.configure(task_seconds=1.0)
    b = make("inferencesh", emulator.url)

    async def go():
        task_id = await submitted(b, media)
        emulator.control.add_fault(on="stream", protocol="inferencesh", **fault)
        with pytest.raises(TransientError):
            async for _ in b.watch(task_id):
                pass
        return await until_done(b, task_id)

    assert run(closing(b, go())).state is TaskState.SUCCEEDED


def test_a_garbled_stream_line_is_skipped_and_heartbeats_trigger_a_recheck(emulator, media):
    emulator.control.configure(task_seconds=1.0, heartbeat_seconds=0.05)
    b = make("inferencesh", emulator.url, heartbeat_recheck=3)

    async def go():
        task_id = await submitted(b, media)
        emulator.control.add_fault(on="stream", protocol="inferencesh", kind="malformed")
        return [st async for st in b.watch(task_id)]

    seen = run(closing(b, go()))
    assert seen[-1].state is TaskState.SUCCEEDED
    gets = emulator.control.requests(protocol="inferencesh", method="GET", path_prefix="/tasks/")
    assert any(not r["path"].endswith("/stream") for r in gets)  # re-checked with GET during heartbeats


# -- cancel ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_cancel_before_it_ends_and_after(emulator, media, protocol):
    emulator.control.configure(task_seconds=3.0)
    b = make(protocol, emulator.url)

    async def go():
        task_id = await submitted(b, media)
        cancelled = await b.cancel(task_id)
        after = await b.status(task_id)
        emulator.control.configure(task_seconds=0.1)
        done_id = await submitted(b, media)
        await until_done(b, done_id)
        return cancelled, after, await b.cancel(done_id)

    cancelled, after, late = run(closing(b, go()))
    assert cancelled is True and after.state is TaskState.CANCELED and late is False


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_dropped_cancel_is_retried_and_still_reports_cancelled(emulator, media, protocol):
    emulator.control.configure(task_seconds=3.0)
    emulator.control.add_fault(on="cancel", protocol=protocol, kind="drop")
    b = make(protocol, emulator.url)

    async def go():
        return await b.cancel(await submitted(b, media))

    assert run(closing(b, go())) is True


# -- download ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("fault, raised", [
    ({"kind": "truncate"}, TransientError),    # half the body, full Content-Length: retryable
    ({"kind": "forbidden"}, ProviderError),    # 403 like an expired signed URL
    ({"kind": "drop"}, None),                  # closed before any byte: asked again
    ({"kind": "http", "status": 503}, None),   # a busy storage: asked again
])
def test_download_faults(emulator, media, tmp_path, protocol, fault, raised):
    b = make(protocol, emulator.url)
    dest = tmp_path / "clip.mp4"

    async def go():
        st = await until_done(b, await submitted(b, media))
        emulator.control.add_fault(on="download", protocol=protocol, **fault)
        if raised is None:
            return await b.download(st, dest)
        with pytest.raises(raised) as info:
            await b.download(st, dest)
        no_key(info.value)
        assert not dest.exists()
        if raised is ProviderError:
            assert info.value.code == "expired" and "expired" in str(info.value)
            assert not isinstance(info.value, TransientError)
            return
        assert "cut short" in str(info.value)
        await b.download(st, dest)  # the link is still good: a second try gets the whole clip

    run(closing(b, go()))
    if fault["kind"] != "forbidden":
        assert probe(dest)[:2] == (1280, 720) and probe(dest)[3]


def test_every_provider_client_shares_one_tls_context_that_still_verifies(monkeypatch):
    """Building a TLS context loads the CA bundle (about 50 ms of CPU): a backend made two on the way to its
    first create, and one more backend per user's own key. One per process now, verifying as httpx's own."""
    import ssl

    from studio.backends import http

    made = []
    real = http.httpx.create_ssl_context
    monkeypatch.setattr(http.httpx, "create_ssl_context", lambda *a, **k: made.append(1) or real(*a, **k))
    http.tls.cache_clear()
    try:
        for key in ("sk-one", "sk-two", "sk-three"):  # the server's key and two users' own keys
            ds.DashScopeBackend(api_key=key, base_url="https://dashscope-intl.aliyuncs.com")
        assert len(made) == 1
        assert http.tls().verify_mode is ssl.CERT_REQUIRED and http.tls().check_hostname
    finally:
        http.tls.cache_clear()
