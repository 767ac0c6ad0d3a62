"""The command line's expected time is kept per model: a finished clip of one model says nothing of another's
time (#21 item 6), and on a real provider without history the model's typical render time is said."""

from __future__ import annotations

from studio import config, pricing, variants
from studio.cli.progress import expected_seconds, status_line
from studio.jobs.model import Job, JobState
from studio.service import LOCAL, Studio


def test_earlier_clips_of_another_model_do_not_set_the_expected_time(tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    try:
        def record(i, model, state=JobState.SUCCEEDED, took=40.0):
            request = variants.build("t2v", prompt="x", duration=5, model=model)
            job = Job(id=f"job{i}", owner=LOCAL.owner, request=request, backend="preview", state=state,
                      quote=pricing.quote(request).to_dict(), created_at=1000.0 * i)
            studio.ledger.add(job)
            with studio.ledger.store.tx() as db:  # (the ledger stamps updated_at itself: set how long it took)
                db.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (1000.0 * i + took, job.id))
            return studio.ledger.get(job.id)

        record(1, "wan2.7", took=10.0)
        record(2, "wan2.7", took=12.0)
        hh = record(3, "happyhorse-1.1", state=JobState.RUNNING)
        assert expected_seconds(studio, LOCAL, hh) is None  # only Wan 2.7 clips so far: no guess
        record(4, "happyhorse-1.1", took=50.0)
        assert expected_seconds(studio, LOCAL, hh) == 50.0
        wan = record(5, "wan2.7", state=JobState.RUNNING)
        assert expected_seconds(studio, LOCAL, wan) == 11.0
        assert "(Wan 2.7)" in status_line(wan, 3.0, 11.0, "Wan 2.7") and "about 0:11 expected" in status_line(wan, 3, 11)
    finally:
        studio.close()


def test_a_real_provider_job_without_history_expects_its_models_typical_time(tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": "dashscope",
                                 "DASHSCOPE_API_KEY": "sk-test"}))
    try:
        request = variants.build("t2v", prompt="x", duration=15, resolution="1080P", model="happyhorse-1.1")
        job = Job(id="real1", owner=LOCAL.owner, request=request, backend="dashscope", state=JobState.RUNNING,
                  base_url="https://dashscope-intl.aliyuncs.com", quote=pricing.quote(request).to_dict())
        studio.ledger.add(job)
        assert expected_seconds(studio, LOCAL, job) == 12 * 60  # not "done in 5 minutes"
        assert "about 12:00 expected" in status_line(job, 30, 12 * 60)
    finally:
        studio.close()
