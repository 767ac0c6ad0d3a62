"""Models through the whole studio, over loopback HTTP against the emulator: the job records its model and
the provider's rewritten prompt, costs its model's price, and a plan whose credits are used up is said in
words without a single retry."""

from __future__ import annotations

import time

import pytest

from studio.jobs.ledger import Ledger
from studio.jobs.library import Filter
from studio.jobs.model import JobState
from studio.media.inspect import probe_video
from studio.service import LOCAL, LOCAL_OWNER
from studio.ui import filters, tiles
from studio.ui.context import UiContext
from studio.ui.controls import quote_text
from studio.variants import Variant
from tests.conftest import finish, submit

PLAN_KEY = "sk-sp-test-plan-0003"


@pytest.mark.parametrize("backend", ["dashscope", "inferencesh"])
def test_a_wan_job_keeps_its_model_cost_and_the_rewritten_prompt(make_studio, emulator, backend):
    studio = make_studio(backend)
    wan = finish(studio, submit(studio, "t2v", prompt="a horse on a beach", duration=2, resolution="1080P",
                                model="wan2.7", negative_prompt="text, blur", prompt_extend=True))
    assert wan.state is JobState.SUCCEEDED, wan.error_message
    assert (wan.model, wan.cost_usd, wan.quote["model"]) == ("wan2.7", 0.30, "wan2.7")  # 2 s x 0.15
    assert wan.actual_prompt.startswith("a horse on a beach.") and wan.public_record()["actual_prompt"]
    assert probe_video(wan.output_path).duration == pytest.approx(2.0, abs=0.25)
    sent = next(iter(emulator.control.tasks().values()))["request"]["body"]
    assert sent.get("model", sent.get("app")) in ("wan2.7-t2v", "alibaba/wan-2-7-t2v")
    plain = finish(studio, submit(studio, "t2v", prompt="a horse", duration=3, model="wan2.7"))
    assert plain.state is JobState.SUCCEEDED and plain.actual_prompt is None  # rewrite off: nothing to show
    hh = finish(studio, submit(studio, "t2v", prompt="a horse", duration=3))
    assert hh.model == ("happyhorse-1.1" if backend == "dashscope" else "happyhorse-1.0")
    page = studio.ledger.library.page(LOCAL_OWNER, Filter(model="wan2.7"), None, 50)
    assert {j.id for j in page.jobs} == {wan.id, plain.id} and page.total == 2
    assert studio.ledger.library.models(LOCAL_OWNER) == sorted({"wan2.7", hh.model})
    # the page: the gallery's backend filter lists the models too, and a tile names its model
    ctx = UiContext(studio)
    assert ("Wan 2.7", "model:wan2.7") in filters.backend_choices(ctx, LOCAL)
    wanted = filters.filter_of({"backend": "model:wan2.7"})
    assert (wanted.model, wanted.backend) == ("wan2.7", None)
    assert {j.id for j in studio.gallery.page(LOCAL, wanted, limit=50).jobs} == {wan.id, plain.id}
    assert filters.filter_of({"backend": backend}).backend == backend
    assert "Wan 2.7" in tiles.tile(wan, None, time.time())


def test_used_up_plan_credits_fail_the_job_in_words_after_one_create(make_studio, emulator):
    emulator.control.add_fault(kind="plan_credits", times=-1)
    studio = make_studio("dashscope", DASHSCOPE_API_KEY=PLAN_KEY)
    job = finish(studio, submit(studio, "t2v", prompt="a horse", duration=3))
    assert job.state is JobState.FAILED and job.error_code == "Throttling.AllocationQuota"
    assert "your plan's credits are used up" in job.error_message and PLAN_KEY not in job.error_message
    assert emulator.control.creates("dashscope") == 0 and job.cost_usd is None
    creates = [r for r in emulator.control.requests(protocol="dashscope", method="POST") if "video-synthesis" in r["path"]]
    assert len(creates) == 1  # refused once and not sent again: credits do not come back by waiting


def test_free_tier_only_fails_the_job_with_what_to_switch_off(make_studio, emulator):
    emulator.control.add_fault(kind="free_tier_only")
    studio = make_studio("dashscope")
    job = finish(studio, submit(studio, "t2v", prompt="a horse", duration=3))
    assert job.state is JobState.FAILED and "free-tier-only setting off" in job.error_message


def test_a_preview_renders_any_model_and_says_which(make_studio, tmp_path):
    studio = make_studio("preview")
    job = finish(studio, submit(studio, "t2v", prompt="a horse", duration=2, model="wan2.7", prompt_extend=True))
    assert job.state is JobState.SUCCEEDED and job.model == "wan2.7" and job.cost_usd == 0.0
    assert job.is_preview and probe_video(job.output_path).duration == pytest.approx(2.0, abs=0.25)


def test_old_ledger_rows_read_as_happyhorse_1_0(tmp_path):
    """A ledger from before models (schema 8): its jobs and learned run times become HappyHorse 1.0's."""
    from studio.jobs import ledger as ledger_module
    from studio.jobs.store_sqlite import SqliteStore

    path = tmp_path / "old.sqlite3"
    store = SqliteStore(path)
    for number, script in enumerate(ledger_module.MIGRATIONS[:8], start=1):
        store.apply(script, number)
    with store.tx() as db:
        db.execute("INSERT INTO jobs (id, owner, variant, backend, state, request, quote, created_at, updated_at) "
                   "VALUES ('old', 'local', 't2v', 'dashscope', 'succeeded', "
                   "'{\"variant\": \"t2v\", \"prompt\": \"x\", \"resolution\": \"1080P\", \"duration\": 5}', "
                   "'{\"per_second\": 0.24}', 1, 1)")
        db.execute("INSERT INTO task_times (job_id, shape, seconds, finished_at) "
                   "VALUES ('old', 'dashscope/t2v/1080P/5s', 200, 1)")
    ledger = Ledger(path)
    assert ledger.schema_version == len(ledger_module.MIGRATIONS)
    old = ledger.get("old")
    assert old.model == "happyhorse-1.0" and old.record()["model_label"] == "HappyHorse 1.0"
    assert [j.id for j in ledger.library.page("local", Filter(model="happyhorse-1.0"), None, 10).jobs] == ["old"]
    assert ledger.run_times("dashscope/t2v/1080P/5s/happyhorse-1.0", 5) == [200]


@pytest.mark.parametrize("backend", ["preview", "dashscope"])
def test_the_quote_says_first_what_a_run_costs_here(make_studio, backend):
    """A phone's Generate bar shows the quote's first lines: a free preview says free before any price."""
    text = quote_text(UiContext(make_studio(backend)), Variant.T2V, prompt="a horse", duration=5, ratio="16:9",
                      resolution="720P")
    first, second = text.split("  \n")[:2]
    if backend == "preview":
        assert first.startswith("**Free here** · ≈ $0.70 on HappyHorse 1.1"), text
        assert second == "Preview: rendered offline, not HappyHorse output.", text
    else:
        assert first.startswith("**$0.70 on HappyHorse 1.1") and "Free" not in text, text
        assert second.startswith("Backend: DashScope"), text
