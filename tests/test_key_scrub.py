"""A provider that echoes the key back (a failed task's message, an error body) never gets it shown, stored or logged."""

from __future__ import annotations

import logging

import pytest

from studio.jobs.model import JobState
from studio.secrets import RedactingFilter, redact
from studio.service import LOCAL
from tests.conftest import finish, submit

KEYS = {"dashscope": "sk-test-secret-0001", "inferencesh": "inf_test-secret-0002"}


@pytest.mark.parametrize("backend", ["dashscope", "inferencesh"])
def test_a_failed_tasks_message_that_echoes_the_key_is_scrubbed(make_studio, emulator, tmp_path, backend):
    key = KEYS[backend]
    emulator.control.add_fault(on="create", protocol=backend, kind="fail_task", code="InvalidParameter",
                               message=f"request with Authorization: Bearer {key} was refused")
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="a horse", duration=3))
    assert job.state is JobState.FAILED
    assert key not in job.error_message and "Bearer ***" in job.error_message
    assert key not in str(job.record()) and key not in str(studio.core.history(LOCAL, job.id))
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert key.encode() not in stored


@pytest.mark.parametrize("backend", ["dashscope", "inferencesh"])
def test_an_error_answer_that_echoes_the_key_is_scrubbed(make_studio, emulator, backend):
    key = KEYS[backend]
    emulator.control.add_fault(on="create", protocol=backend, kind="http", status=400, code="InvalidParameter",
                               message=f"bad header {key}", times=1)
    studio = make_studio(backend)
    job = finish(studio, submit(studio, "t2v", prompt="a horse", duration=3))
    assert job.state is JobState.FAILED and key not in (job.error_message or "")


def test_tracebacks_and_keys_handed_over_later_are_redacted_too():
    import io

    from studio.secrets import redact_logs, remember

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        redact_logs(["sk-owner-key-0042"])
        remember("sk-users-own-0077")
        try:
            raise RuntimeError("upstream said: Bearer sk-owner-key-0042 and sk-users-own-0077")
        except RuntimeError:
            logger.exception("request failed for sk-users-own-0077")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "RuntimeError" in out and "Bearer ***" in out
    assert "sk-owner-key-0042" not in out and "sk-users-own-0077" not in out


def test_log_records_are_redacted_whatever_formats_them():
    record = logging.LogRecord("studio", logging.WARNING, __file__, 1, "provider said %s", ("key sk-abcdef99",), None)
    assert RedactingFilter(["sk-abcdef99", None]).filter(record)
    assert record.getMessage() == "provider said key ***"
    assert redact("a b", ["a"]) == "a b"  # a one-letter 'key' would mask every word: not treated as one
