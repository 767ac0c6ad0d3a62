"""The gallery's orders (newest, oldest, cost, length) on both stores: every job once, in order, page by page,
and each order read from its index (no sort of every job of the owner)."""

import re

import pytest

from studio.errors import InputError
from studio.jobs import ledger as ledger_mod
from studio.jobs.ledger import Ledger
from studio.jobs.library import SORTS, Cursor, Filter, Page
from studio.jobs.model import JobState
from studio.ui.tiles import summary
from tests.test_gallery_index import make_job


def key_of(job, sort: str) -> tuple:
    """What each order sorts by, in Python: the order the ledger must give."""
    value = {"cost": job.cost_usd or 0.0, "length": job.seconds or 0.0}.get(sort, 0.0)
    return value, job.created_at, job.id


def filled(led: Ledger) -> list:
    """Jobs with ties in every key (same cost, same length, same created_at) and missing keys (not charged,
    no clip yet), and another owner's jobs that must never show."""
    jobs = []
    for i in range(37):
        cost = None if i % 4 == 0 else [0.35, 0.7, 1.4][i % 3]
        seconds = None if i % 5 == 0 else [3.0, 5.0, 10.0][i % 3]
        job = make_job(i, created_at=1000.0 + i // 2, cost_usd=cost, seconds=seconds,
                       state=JobState.SUCCEEDED if seconds else JobState.FAILED)
        led.add(job)
        jobs.append(job)
    for i in range(100, 105):
        led.add(make_job(i, owner="someone else", cost_usd=99.0, seconds=60.0))
    led.update("job0007", deleted_at=2000.0)  # deleted: never shown
    return [j for j in jobs if j.id != "job0007"]


@pytest.mark.parametrize("sort", list(SORTS))
def test_each_order_pages_through_every_job_once_in_order(ledger_location, sort):
    led = Ledger(ledger_location)
    jobs = filled(led)
    down = SORTS[sort][1]
    expected = [j.id for j in sorted(jobs, key=lambda j: key_of(j, sort), reverse=down)]
    seen, after = [], None
    for _ in range(20):
        page = led.library.page("local", Filter(sort=sort), Cursor.decode(after), 5)
        assert page.total == len(jobs)
        seen += [j.id for j in page.jobs]
        if not page.more:
            break
        after = page.next.encode()
        assert Cursor.decode(after) == page.next  # the cursor survives the trip through the browser
    assert seen == expected


def test_an_order_keeps_the_filters_and_refuses_another_orders_cursor(ledger_location):
    led = Ledger(ledger_location)
    filled(led)
    failed = led.library.page("local", Filter(state="failed", sort="cost"), None, 100).jobs
    assert failed and all(j.state is JobState.FAILED for j in failed)
    costs = [j.cost_usd or 0.0 for j in failed]
    assert costs == sorted(costs, reverse=True)
    cost_cursor = led.library.page("local", Filter(sort="cost"), None, 3).next
    with pytest.raises(InputError, match="not valid any more"):
        led.library.page("local", Filter(sort="length"), cost_cursor, 3)
    with pytest.raises(InputError, match="not valid any more"):
        led.library.page("local", Filter(), cost_cursor, 3)
    for forged in ("cost:abc:1:x", "length::1000.0:job0001", "oldest:1:x:y", "newest:1:x"):
        with pytest.raises(InputError):
            cursor = Cursor.decode(forged)
            led.library.page("local", Filter(sort=cursor.sort), cursor, 3)
    with pytest.raises(InputError, match="Unknown order"):
        Filter(sort="price; DROP TABLE jobs")


def test_newest_cursors_keep_their_old_spelling():
    assert Cursor(1000.5, "job0001").encode() == "1000.5:job0001"
    assert Cursor.decode("1000.5:job0001") == Cursor(1000.5, "job0001")
    assert Cursor.decode("oldest::1000.5:job0001") == Cursor(1000.5, "job0001", "oldest")
    assert Cursor.decode(Cursor(7.0, "a", "cost", 0.35).encode()) == Cursor(7.0, "a", "cost", 0.35)


def plans_sqlite(led: Ledger, flt: Filter, after: Cursor | None) -> list[str]:
    with led.store.read() as db:
        return [" ".join(r[-1] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
                for sql, args in led.library.query("local", flt, after, 25)]


def test_sqlite_reads_each_order_from_an_index(tmp_path):
    led = Ledger(tmp_path / "ledger.sqlite3")
    for i in range(40):
        led.add(make_job(i, cost_usd=0.1 * (i % 7), seconds=float(i % 4)))
    with led.store.tx() as db:
        db.execute("ANALYZE")
    for sort in SORTS:
        flt = Filter(sort=sort)
        cursor = led.library.page("local", flt, None, 5).next
        for after in (None, cursor):
            for plan in plans_sqlite(led, flt, after):
                assert "TEMP B-TREE" not in plan and "USING INDEX jobs_gallery" in plan, (sort, plan)
                if after and sort in ("cost", "length"):  # a seek into the tie, and one past it; no scan
                    assert "<expr>=? AND (created_at,id)<(?,?)" in plan or "<expr><?" in plan, (sort, plan)
    with led.store.read() as db:  # the orders' indexes leave the running count to its own
        count = " ".join(r[-1] for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM jobs WHERE owner = 'local' AND deleted_at IS NULL AND "
            "state IN ('queued', 'submitting', 'running', 'downloading')"))
    assert "jobs_unfinished" in count, count


def test_postgresql_reads_each_order_from_an_index(pg_url):
    led = Ledger(pg_url)
    jobs = [make_job(i, owner=f"user{i % 3}", cost_usd=0.1 * (i % 7), seconds=float(i % 4)) for i in range(3000)]
    cols = ledger_mod._COLUMNS
    with led.store.tx() as db:
        db.executemany(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
                       [j.to_row() for j in jobs])
        db.execute("ANALYZE jobs")
    for sort in SORTS:
        flt = Filter(sort=sort)
        after = led.library.page("user1", flt, None, 5).next
        for sql, args in led.library.query("user1", flt, after, 25):
            with led.store.read() as db:
                plan = " ".join(r["QUERY PLAN"] for r in db.execute(f"EXPLAIN {sql}", args))
            # read in order from an index, never a sort of every job of the owner (1,000 here): an Incremental
            # Sort orders only the ties of a presorted key, and a tie of one price may be sorted when small
            sorted_rows = [int(n) for n in re.findall(r"(?<!Incremental) Sort  \(cost=[\d.]+ rows=(\d+)", plan)]
            assert all(n < 300 for n in sorted_rows) and "Index" in plan, (sort, plan)
            if sort in ("cost", "length"):
                assert f"jobs_gallery_{sort}" in plan, (sort, plan)


def test_the_count_line_says_how_many_match_in_words():
    assert summary(Page([], 61), 24).startswith("Your clips: 61")
    searched = Filter(search="horse")
    assert summary(Page([], 0, filter=searched), 0).startswith("No clips match")
    assert summary(Page([], 1, filter=searched), 1).startswith("1 clip matches")
    assert summary(Page([], 12, filter=Filter(favourites=True)), 12).startswith("12 clips match")
