"""The fault matrix: every fault the emulator can inject, at every stage of a job (create, status,
download, webhook), alone and combined, on both providers at once, two jobs at a time.

Each case ends where a user would expect it to, with the cost label the gallery would show on a
real provider (cost_line with the emulator's address swapped for a real one), the provider's code
kept, no message naming a temporary file or an exception class, and never more tasks created than
jobs sent. A clip the provider billed but the studio could not collect is then collected with
Collect again, never by a new paid run. Every case is counted (tests/tally.py).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass, field

import pytest

from studio.jobs.model import JobState
from studio.service import LOCAL, Studio
from studio.ui.tiles import cost_line
from tests.conftest import settings_for
from tests.tally import tally

BACKENDS = ("dashscope", "inferencesh")
JOBS_PER_CASE = 2
REAL_URL = "https://dashscope-intl.aliyuncs.com"
LEAKS = re.compile(r"\.part|/tmp/|\b\w*(Error|Exception)\b(?!s)|Traceback")
BILLED = "$0.42"  # t2v, 720P, 3 s


@dataclass
class Case:
    name: str
    stage: str
    faults: list[dict]
    outcome: str                      # done, failed, unsure, owed, waiting
    code: str | None = None           # the provider's code the job must keep
    webhook: str | None = None        # forged, early, replayed
    only: tuple[str, ...] = BACKENDS
    extra: dict = field(default_factory=dict)


def http(on, status, times=2, **kw):
    return dict(on=on, kind="http", status=status, times=times, **kw)


CASES = [
    Case("create 429 then through", "create", [http("create", 429, retry_after=0)], "done"),
    Case("create 503 then through", "create", [http("create", 503)], "done"),
    Case("create 500: unsure", "create", [http("create", 500, times=-1)], "unsure"),
    Case("create 400 refused", "create", [http("create", 400, times=-1, code="InvalidParameter",
                                                message="bad input")], "failed", code="InvalidParameter",
         only=("dashscope",)),
    Case("create dropped: unsure", "create", [dict(on="create", kind="drop", times=-1)], "unsure"),
    Case("create garbled: unsure", "create", [dict(on="create", kind="malformed", times=-1)], "unsure"),
    Case("create slow", "create", [dict(on="create", kind="slow", delay=0.5, times=JOBS_PER_CASE)], "done"),
    Case("task fails (moderation)", "create", [dict(on="create", kind="fail_task", times=-1,
                                                    code="DataInspectionFailed", message="inappropriate")],
         "failed", code="DataInspectionFailed", only=("dashscope",)),
    Case("task fails", "create", [dict(on="create", kind="fail_task", times=-1, message="content blocked")],
         "failed", code="failed", only=("inferencesh",)),
    Case("status 503 x2", "status", [http("status", 503), http("stream", 503)], "done"),
    Case("status 500 x2", "status", [http("status", 500), http("stream", 500)], "done"),
    Case("status 429 x2", "status", [http("status", 429, retry_after=0), http("stream", 429, retry_after=0)],
         "done"),
    Case("status dropped x2", "status", [dict(on="status", kind="drop", times=2),
                                         dict(on="stream", kind="drop", times=2)], "done"),
    Case("status garbled x2", "status", [dict(on="status", kind="malformed", times=2),
                                         dict(on="stream", kind="malformed", times=2)], "done"),
    Case("status slow", "status", [dict(on="status", kind="slow", delay=0.3, times=2)], "done"),
    Case("status 401: waits for the key", "status",
         [http("status", 401, times=-1, code="InvalidApiKey", message="Invalid API-key provided.")],
         "waiting", code="key_refused", only=("dashscope",)),
    Case("task lost by the provider", "status", [dict(on="status", kind="unknown", times=-1)], "failed",
         code="expired", only=("dashscope",)),
    Case("download cut once", "download", [dict(on="download", kind="truncate", times=1)], "done"),
    Case("download slow", "download", [dict(on="download", kind="slow", delay=0.3, times=JOBS_PER_CASE)],
         "done"),
    Case("download cut forever", "download", [dict(on="download", kind="truncate", times=-1)], "owed"),
    Case("download 403 forever", "download", [dict(on="download", kind="forbidden", times=-1)], "owed"),
    Case("download 404 forever", "download", [http("download", 404, times=-1)], "owed"),
    Case("download 500 forever", "download", [http("download", 500, times=-1)], "owed"),
    Case("download not an MP4", "download", [dict(on="download", kind="malformed", times=-1)], "owed"),
    Case("download dropped forever", "download", [dict(on="download", kind="drop", times=-1)], "owed"),
    Case("webhook forged", "webhook", [], "done", webhook="forged"),
    Case("webhook before the end", "webhook", [], "done", webhook="early"),
    Case("webhook replayed", "webhook", [], "done", webhook="replayed"),
    Case("429 create + 503 status + cut download", "combined",
         [http("create", 429, retry_after=0), http("status", 503), http("stream", 503),
          dict(on="download", kind="truncate", times=1)], "done"),
    Case("429 create + 403 download forever", "combined",
         [http("create", 429, retry_after=0), dict(on="download", kind="forbidden", times=-1)], "owed"),
    Case("garbled status + failed task", "combined",
         [dict(on="status", kind="malformed", times=2), dict(on="create", kind="fail_task", times=-1,
                                                              code="DataInspectionFailed", message="x")],
         "failed", code="DataInspectionFailed", only=("dashscope",)),
    Case("slow create + webhook + cut download", "combined",
         [dict(on="create", kind="slow", delay=0.3, times=JOBS_PER_CASE),
          dict(on="download", kind="truncate", times=1)],
         "done", webhook="early"),
]


def money_label(job) -> str:
    """What the gallery would show for this job on a real provider."""
    return cost_line(dataclasses.replace(job, base_url=REAL_URL))


def settled(job, case: Case) -> bool:
    if case.outcome == "waiting":
        return job.error_code == case.code or job.state.finished
    return job.state.finished


def check(studio: Studio, job, case: Case, creates: int) -> list[str]:
    """What is wrong with how this job ended (empty when it is right)."""
    wrong = []
    label = money_label(job)
    if job.error_message and LEAKS.search(job.error_message):
        wrong.append(f"message leaks internals: {job.error_message}")
    if creates > JOBS_PER_CASE:
        wrong.append(f"{creates} tasks created for {JOBS_PER_CASE} jobs")
    want = {"done": JobState.SUCCEEDED, "failed": JobState.FAILED, "unsure": JobState.UNSURE,
            "owed": JobState.UNCOLLECTED, "waiting": JobState.RUNNING}[case.outcome]
    if job.state is not want:
        return wrong + [f"ended {job.state.value} ({job.error_code}: {job.error_message}), wanted {want.value}"]
    if case.outcome == "done" and not (job.output_path and label == BILLED):
        wrong.append(f"done but label {label!r} / output {job.output_path}")
    if case.outcome == "failed" and "not billed" not in label:
        wrong.append(f"failed but label {label!r}")
    if case.outcome == "unsure" and "may be billed" not in label:
        wrong.append(f"unsure but label {label!r}")
    if case.outcome == "owed" and not (label.startswith(BILLED) and "not collected yet" in label):
        wrong.append(f"owed but label {label!r}")
    if case.code and job.error_code != case.code:
        wrong.append(f"code {job.error_code!r}, wanted {case.code!r}")
    return wrong


def run_case(studio: Studio, emulator, backend: str, case: Case, before: int) -> tuple[list[str], list]:
    jobs = [studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt=f"{case.name} {i}", duration=3))
            for i in range(JOBS_PER_CASE)]
    for job in jobs:
        if case.webhook:
            studio.core.wait(LOCAL, job.id, timeout=20, interval=0.02, until=lambda j: j.task_id or j.state.finished)
            secret = studio.ledger.get(job.id).webhook_secret or ""
            if case.webhook == "forged":
                assert studio.webhook(job.id, secret + "x") == "refused"
            else:
                studio.webhook(job.id, secret)
                if case.webhook == "replayed":
                    assert studio.webhook(job.id, secret) in ("ignored", "refused")
    ended = [studio.core.wait(LOCAL, j.id, timeout=40, interval=0.05, until=lambda j: settled(j, case))
             for j in jobs]
    creates = emulator.control.creates(backend) - before
    return [f"{backend} {case.name}: {w}" for job in ended for w in check(studio, job, case, creates)], ended


def collect_again_brings_it_home(studio: Studio, emulator, backend: str, owed) -> list[str]:
    before = emulator.control.creates(backend)
    wrong = []
    for job in owed:
        studio.billing.collect_again(LOCAL, job.id, timeout=20)
        done = studio.core.wait(LOCAL, job.id, timeout=20, interval=0.05,
                           until=lambda j: j.state is JobState.SUCCEEDED)
        if done.state is not JobState.SUCCEEDED or money_label(done) != BILLED:
            wrong.append(f"{backend}: collect again left it {done.state.value} ({done.error_message})")
    if emulator.control.creates(backend) != before:
        wrong.append(f"{backend}: collect again created a new task")
    return wrong


@pytest.fixture
def studios(emulator, tmp_path):
    made = {b: Studio(settings_for(emulator, tmp_path / b, b, STUDIO_PUBLIC_URL="http://127.0.0.1:9"),
                      time_scale=0.02).start() for b in BACKENDS}
    yield made
    for s in made.values():
        s.close()


def test_every_fault_at_every_stage_ends_where_a_user_expects(studios, emulator):
    failures: list[str] = []
    for case in CASES:
        emulator.control.clear_faults()
        emulator.control.add_faults(*[dict(f, protocol=b) for f in case.faults for b in case.only])
        befores = {b: emulator.control.creates(b) for b in case.only}
        results: dict[str, tuple[list[str], list]] = {}
        threads = [threading.Thread(target=lambda b=b: results.__setitem__(
            b, run_case(studios[b], emulator, b, case, befores[b]))) for b in case.only]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        emulator.control.clear_faults()  # for an owed clip: the provider's link works again
        for b in case.only:
            wrong, ended = results.get(b, ([f"{b} {case.name}: did not finish"], []))
            if case.outcome == "owed" and not wrong:
                wrong = collect_again_brings_it_home(studios[b], emulator, b, ended)
            tally("fault matrix", f"{case.stage}: {case.name}", not wrong)
            failures += wrong
        for s in studios.values():  # jobs left waiting on purpose are cancelled so the next case starts clean
            for job in s.core.jobs(LOCAL):
                if not job.state.finished:
                    s.core.cancel(LOCAL, job.id)
    assert not failures, "\n".join(failures)
