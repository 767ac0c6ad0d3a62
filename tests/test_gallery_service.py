"""The gallery through the service: pages, filters, search, favourites, delete, unsure decisions, records."""

import time
from pathlib import Path

import pytest

from harness.gallery import seed_jobs
from studio import config
from studio.errors import InputError, NotFound
from studio.jobs.library import Filter
from studio.jobs.model import Job, JobState
from studio.service import LOCAL, LOCAL_OWNER, Caller, Studio
from studio.ui import tiles
from studio.variants import build


@pytest.fixture
def studio(tmp_path):
    s = Studio(config.load({"STUDIO_DATA_DIR": str(tmp_path / "data")}))
    yield s
    s.close()


@pytest.fixture
def seeded(studio):
    seed_jobs(studio.settings.data_dir, 60)
    return studio


def test_pages_follow_each_other_newest_first_without_gaps_or_repeats(seeded):
    seen, after = [], None
    while True:
        page = seeded.gallery.page(LOCAL, after=after, limit=25)
        seen += [j.id for j in page.jobs]
        assert page.total == 61
        if not page.more:
            break
        after = page.next.encode()
    assert len(seen) == len(set(seen)) == 61
    created = [seeded.core.job(LOCAL, i).created_at for i in seen]
    assert created == sorted(created, reverse=True)


def test_filters_and_search_find_what_a_user_asks_for(seeded):
    failed = seeded.gallery.page(LOCAL, Filter(state="failed"), limit=100)
    assert failed.total > 0 and {j.state for j in failed.jobs} == {JobState.FAILED}
    boats = seeded.gallery.page(LOCAL, Filter(search="paper BOAT"), limit=100)
    assert boats.total == 12 and all("paper boat" in j.request.prompt for j in boats.jobs)
    assert seeded.gallery.page(LOCAL, Filter(search="100%_")).total == 0  # wildcards are literal
    assert seeded.gallery.page(LOCAL, Filter(search="000000000000003b")).jobs[0].id == "000000000000003b"
    assert seeded.gallery.page(LOCAL, Filter(variant="edit")).total == 1
    others = [seeded.gallery.page(LOCAL, Filter(state=s)).total for s in ("cancelled", "decide")]
    assert seeded.gallery.page(LOCAL, Filter(backend="dashscope")).total == failed.total + sum(others)
    assert seeded.gallery.page(Caller.of("someone else")).total == 0
    with pytest.raises(InputError):
        Filter(state="exploded")


def test_favourites_are_the_owners_own(seeded):
    job_id = seeded.gallery.page(LOCAL).jobs[0].id
    assert seeded.gallery.favourite(LOCAL, job_id).favourite
    assert [j.id for j in seeded.gallery.page(LOCAL, Filter(favourites=True)).jobs] == [job_id]
    with pytest.raises(NotFound):
        seeded.gallery.favourite(Caller.of("someone else"), job_id)
    assert not seeded.gallery.favourite(LOCAL, job_id, on=False).favourite


def test_delete_removes_the_files_hides_the_job_and_keeps_the_money_record(seeded):
    job = seeded.gallery.page(LOCAL, Filter(state="done")).jobs[1]
    seeded.ledger.update(job.id, backend="dashscope", cost_usd=0.42)  # real money, not a preview
    spent = seeded.billing.spend(LOCAL).total
    assert spent >= 0.42
    clip, poster = Path(job.output_path), Path(job.poster_path)
    assert clip.exists() and poster.exists()
    strip, _ = seeded.chain.story_clips.filmstrip(job)  # the storyboard drew its filmstrip
    other = seeded.gallery.page(LOCAL, Filter(state="done")).jobs[2]
    kept, _ = seeded.chain.story_clips.filmstrip(other)
    with pytest.raises(NotFound):
        seeded.gallery.delete(Caller.of("someone else"), job.id)
    assert strip.exists()
    seeded.gallery.delete(LOCAL, job.id)
    assert not clip.exists() and not poster.exists() and not strip.exists() and kept.exists()
    assert job.id not in [j.id for j in seeded.gallery.page(LOCAL, limit=100).jobs]
    assert job.id not in [j.id for j in seeded.core.jobs(LOCAL)]
    assert seeded.billing.spend(LOCAL).total == spent


def test_a_running_job_cannot_be_deleted(studio):
    job = Job(id="r" * 16, owner=LOCAL_OWNER, request=build("t2v", prompt="a horse"), backend="preview",
              state=JobState.RUNNING, created_at=time.time())
    studio.ledger.add(job)
    with pytest.raises(InputError, match="cancel it first"):
        studio.gallery.delete(LOCAL, job.id)


def unsure_job(studio, backend: str = "preview") -> Job:
    job = Job(id="u" * 16, owner=LOCAL_OWNER, request=build("t2v", prompt="a horse in fog", duration=3),
              backend=backend, state=JobState.UNSURE, quote_usd=0.42, quote={"total": 0.42, "billed_seconds": 3},
              seed=77, error_code="unsure", created_at=time.time())
    return studio.ledger.add(job)


def test_unsure_not_in_the_console_is_sent_again_with_the_same_seed(studio):
    job = unsure_job(studio.start())
    again = studio.billing.resend_unsure(LOCAL, job.id)
    studio.core.wait(LOCAL, again.id, timeout=60)
    old = studio.core.job(LOCAL, job.id)
    assert old.state is JobState.CANCELLED and old.cost_usd == 0 and "sent again" in old.error_message
    assert again.parent_id == job.id and again.seed == 77 and again.id != job.id
    assert tiles.state_words(old) == "not sent"
    with pytest.raises(InputError, match="not waiting for your decision"):
        studio.billing.resend_unsure(LOCAL, job.id)


def test_unsure_that_ran_is_kept_as_billed_and_counts_in_the_spend(studio):
    job = unsure_job(studio, "dashscope")
    kept = studio.billing.keep_unsure_as_billed(LOCAL, job.id)
    assert kept.cost_usd == 0.42 and kept.billed_seconds == 3 and kept.error_code == "kept_billed"
    assert studio.billing.spend(LOCAL).total == 0.42
    assert tiles.state_class(kept) == "kept" and tiles.state_words(kept) == "kept as billed"
    with pytest.raises(NotFound):
        studio.billing.keep_unsure_as_billed(Caller.of("someone else"), job.id)


def test_the_record_a_user_sees_names_no_server_path(seeded):
    job = seeded.core.job(LOCAL, "e" * 16)
    text = repr(job.public_record())
    assert str(seeded.settings.data_dir) not in text and "/" not in text.replace("image/", "")
    assert job.public_record()["request"]["inputs"] == {"video": 1} and job.public_record()["has_clip"]
    assert job.record()["output_path"] == job.output_path  # the CLI keeps its local paths


def test_a_running_job_without_progress_shows_elapsed_and_says_there_is_no_history(studio):
    now = time.time()
    job = Job(id="p" * 16, owner=LOCAL_OWNER, request=build("t2v", prompt="surf"), backend="dashscope",
              state=JobState.RUNNING, progress=0.0, created_at=now - 75)
    words = tiles.running_words(job, None, now)
    assert "1:15" in words and "no estimate yet" in words and "0%" not in words
    assert "hh-bar-unknown" in tiles.running_bar(job, None, now)  # a moving bar, not a frozen one
    assert "about 0:45 left" in tiles.running_words(job, 120.0, now)
    assert "almost done" in tiles.running_words(job, 75.5, now)  # never "about 0:00 left"
    assert "taking longer than usual" in tiles.running_words(job, 60.0, now)


def test_the_newest_page_reads_an_index_not_the_whole_table(seeded):
    where, args = Filter().where(LOCAL_OWNER)
    with seeded.ledger.store.read() as db:
        plan = " ".join(r[-1] for r in db.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE {where} ORDER BY created_at DESC, id DESC LIMIT 25", args))
    assert "jobs_gallery" in plan and "TEMP B-TREE" not in plan, plan
