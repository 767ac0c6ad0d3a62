"""Spend: only real providers count as money; preview and emulator jobs are test runs, named apart."""

import sqlite3
import time

from studio import config
from studio.jobs.model import Job, JobState
from studio.service import LOCAL, LOCAL_OWNER, Studio
from studio.ui.app import header_html
from studio.ui.context import UiContext
from studio.variants import build


def charged(studio, backend, base_url, cost, at):
    job = Job(id=f"j{len(studio.core.jobs(LOCAL))}", owner=LOCAL_OWNER, request=build("t2v", prompt="x"),
              backend=backend, state=JobState.SUCCEEDED, cost_usd=cost, base_url=base_url, created_at=at)
    studio.ledger.add(job)
    with sqlite3.connect(studio.settings.ledger_path) as db:  # finished back then
        db.execute("UPDATE jobs SET updated_at = ? WHERE id = ?", (at, job.id))


def test_emulator_jobs_are_test_runs_even_after_switching_backend(emulator, tmp_path):  # noqa: F811
    env = {"STUDIO_DATA_DIR": str(tmp_path / "data"), "STUDIO_BACKEND": "dashscope",
           "DASHSCOPE_API_KEY": "sk-try", "DASHSCOPE_BASE_URL": emulator.url}
    studio = Studio(config.load(env), time_scale=0.05).start()
    try:
        job = studio.core.submit(LOCAL, studio.core.prepare("t2v", prompt="a horse", duration=3))
        job = studio.core.wait(LOCAL, job.id, timeout=60, interval=0.05)
        assert job.state is JobState.SUCCEEDED and job.cost_usd and job.is_test and job.record()["test"]
        assert "test run" in header_html(UiContext(studio), LOCAL)
        assert "$0.42" not in header_html(UiContext(studio), LOCAL)
    finally:
        studio.close()
    preview = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))  # back on preview
    spend = preview.billing.spend(LOCAL)
    assert (spend.total, spend.today, spend.test_runs) == (0, 0, 1)


def test_the_header_shows_real_provider_spend_today_and_in_total(tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    now = time.time()
    charged(studio, "dashscope", "https://dashscope-intl.aliyuncs.com", 0.70, now)
    charged(studio, "inferencesh", "https://api.inference.sh", 1.40, now - 3 * 86400)
    charged(studio, "dashscope", "http://127.0.0.1:8765", 5.00, now)
    charged(studio, "dashscope", "http://localhost:8765", 5.00, now)
    spend = studio.billing.spend(LOCAL)
    assert (spend.today, spend.total, spend.providers, spend.test_runs) == (0.70, 2.10, ("dashscope", "inferencesh"), 2)
    header = header_html(UiContext(studio), LOCAL)
    assert "Spent on DashScope, inference.sh: $0.70 today · $2.10 in total" in header
    assert "2 test runs (preview or emulator): no money" in header
    # a phone shows the short words on one line (studio.css hides the long ones there)
    assert '<span class="hh-spent-short">$0.70 today · $2.10 total · 2 free runs</span>' in header


def test_starring_or_touching_an_old_job_leaves_its_cost_on_the_day_it_was_sent(tmp_path):
    studio = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    charged(studio, "dashscope", "https://dashscope-intl.aliyuncs.com", 0.70, time.time() - 2 * 86400)
    assert studio.billing.spend(LOCAL).today == 0.0
    studio.gallery.favourite(LOCAL, "j0", True)  # touches the row today
    spend = studio.billing.spend(LOCAL)
    assert (spend.today, spend.total) == (0.0, 0.70)
