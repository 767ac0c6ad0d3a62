"""The gallery's kept counts, partial index and search index stay true as jobs change, on both stores.

The counts the database keeps (studio.jobs.gallery_index) must equal a count of the jobs themselves
after every kind of change; a search through the index must find exactly what the LIKE alone found.
"""

import json
import time

from studio import variants as v
from studio.jobs import ledger as ledger_mod
from studio.jobs.gallery_index import SEARCH
from studio.jobs.ledger import Ledger, open_store
from studio.jobs.library import Filter
from studio.jobs.model import Job, JobState

PROMPTS = ["A chestnut horse gallops through the surf at sunset",
           "A seahorse drifts in a kelp forest, macro lens",
           "HORSES in the snow, slow motion",
           "一匹白马在草原上奔跑，夕阳，航拍",
           "一只小猫在窗台上睡觉",
           "100% cotton flag_waving in the wind",
           'She says "cut!" and the \\ backslash stays',
           "Neon rain on a Tokyo alley at night",
           "ab"]
QUERIES = ["horse", "HORSE", "orse", "se", "a", "马在", "白马在草原", "马", "小猫", "100%", "flag_w", "_", "%",
           '"cut!"', '"', "\\", "\\ back", "tokyo alley", "neon rain", "zebra", "job00", "job0003", "JOB0003",
           "rse gal", "kelp lens", "ab"]


def make_job(i: int, owner: str = "local", prompt: str | None = None, **fields) -> Job:
    return Job(id=f"job{i:04d}", owner=owner, request=v.build("t2v", prompt=prompt or PROMPTS[i % len(PROMPTS)]),
               backend=fields.pop("backend", "preview"), quote_usd=0.7, quote={"total": 0.7}, seed=i,
               created_at=fields.pop("created_at", 1000.0 + i), **fields)


def by_like_alone(led: Ledger, owner: str, search: str) -> list[str]:
    """The ids the search found before the index: its LIKE terms, every row read."""
    where, args = Filter(search=search).where(owner, led.store.prompt)
    with led.store.read() as db:
        rows = db.execute(f"SELECT id FROM jobs WHERE {where} ORDER BY created_at DESC, id DESC", args).fetchall()
    return [r["id"] for r in rows]


def counted(led: Ledger, owner: str) -> dict:
    """What the kept counts must say, counted from the jobs themselves."""
    with led.store.read() as db:
        shown = db.execute("SELECT COUNT(*) AS n FROM jobs WHERE owner = ? AND deleted_at IS NULL",
                           (owner,)).fetchone()["n"]
        backends = [r["backend"] for r in db.execute("SELECT DISTINCT backend FROM jobs WHERE owner = ? "
                                                     "AND deleted_at IS NULL ORDER BY backend", (owner,))]
    return {"shown": shown, "backends": backends, "charged": sorted(
        (b, round(sum(c for bb, _, c, _ in led.spending.charges(owner) if bb == b), 6))
        for b in {b for b, _, _, _ in led.spending.charges(owner)})}


def kept(led: Ledger, owner: str) -> dict:
    return {"shown": led.library.page(owner, Filter(), None, 1).total, "backends": led.library.backends(owner),
            "charged": sorted((c.backend, round(c.total, 6)) for c in led.spending.charges_by_backend(owner, 0))}


def test_a_search_finds_exactly_what_like_found(ledger_location):
    led = Ledger(ledger_location)
    for i in range(40):
        led.add(make_job(i, owner="local" if i % 5 else "someone else"))
    for query in QUERIES:
        page = led.library.page("local", Filter(search=query), None, 500)
        expected = by_like_alone(led, "local", query)
        assert [j.id for j in page.jobs] == expected and page.total == len(expected), query
    assert by_like_alone(led, "local", "horse") and by_like_alone(led, "local", "马在")  # the corpus does match


def test_the_search_index_follows_a_changed_and_a_removed_job(ledger_location):
    led = Ledger(ledger_location)
    led.add(make_job(1, prompt="a red balloon over the city"))
    with led.store.tx() as db:
        db.execute("UPDATE jobs SET request = ? WHERE id = 'job0001'",
                   (json.dumps(v.build("t2v", prompt="a blue kite over the sea").to_dict()),))
    assert [j.id for j in led.library.page("local", Filter(search="kite"), None, 10).jobs] == ["job0001"]
    assert led.library.page("local", Filter(search="balloon"), None, 10).jobs == []
    with led.store.tx() as db:
        db.execute("DELETE FROM job_events WHERE job_id = 'job0001'")
        db.execute("DELETE FROM jobs WHERE id = 'job0001'")
    led.add(make_job(2, prompt="a blue kite again"))
    assert [j.id for j in led.library.page("local", Filter(search="kite"), None, 10).jobs] == ["job0002"]


def test_kept_counts_equal_the_jobs_after_every_kind_of_change(ledger_location):
    led = Ledger(ledger_location)
    tokens = {led.library.changed("local")}
    for i in range(12):
        led.add(make_job(i, backend=("preview", "dashscope", "inferencesh")[i % 3],
                         base_url=None if i % 3 == 0 else "https://provider.example",
                         created_at=time.time() - (i % 4) * 86400))
        tokens.add(led.library.changed("local"))
    assert kept(led, "local") == counted(led, "local")
    for i in range(12):
        if i % 2:
            led.update(f"job{i:04d}", state=JobState.SUCCEEDED, cost_usd=0.35 * i)
            tokens.add(led.library.changed("local"))
    led.update("job0003", cost_usd=9.5)                        # a cost corrected
    led.update("job0005", progress=0.5)                        # a change the gallery shows
    tokens.add(led.library.changed("local"))
    led.update("job0007", deleted_at=time.time())              # hidden from the gallery, still charged
    led.update("job0000", deleted_at=time.time())
    led.update("job0006", deleted_at=time.time())
    led.update("job0009", deleted_at=time.time())              # no preview job shown: it leaves the filter
    led.update("job0003", deleted_at=time.time())
    tokens.add(led.library.changed("local"))
    assert kept(led, "local") == counted(led, "local")
    assert len(tokens) == 12 + 6 + 1 + 1 + 1                  # every insert and change moved the token
    led.add(make_job(99, owner="someone else"))
    assert led.library.changed("local") in tokens and kept(led, "local") == counted(led, "local")


def test_spend_today_counts_jobs_sent_since_midnight(ledger_location):
    led = Ledger(ledger_location)
    midnight = (time.time() // 86400) * 86400
    led.add(make_job(1, backend="dashscope", created_at=midnight + 5, cost_usd=1.25))
    led.add(make_job(2, backend="dashscope", created_at=midnight - 5, cost_usd=2.0))
    led.add(make_job(3, backend="dashscope", created_at=midnight + 60))
    [charges] = led.spending.charges_by_backend("local", midnight)
    assert (charges.backend, charges.jobs, charges.total, charges.since) == ("dashscope", 2, 3.25, 1.25)


def test_a_ledger_with_jobs_gets_its_counts_and_search_when_migrated(ledger_location):
    old = open_store(ledger_location)
    for number, script in enumerate(ledger_mod.MIGRATIONS[:8], start=1):
        old.apply(script, number)
    with old.tx() as db:
        for i, (state, deleted) in enumerate([("succeeded", None), ("running", None), ("failed", 5.0)]):
            db.execute("INSERT INTO jobs (id, owner, variant, backend, state, request, created_at, updated_at, "
                       "deleted_at, cost_usd) VALUES (?, 'local', 't2v', 'dashscope', ?, ?, ?, ?, ?, ?)",
                       (f"old{i}", state, json.dumps(v.build("t2v", prompt=f"a zebra, take {i}").to_dict()), 10.0 + i,
                        10.0 + i, deleted, 0.5))
    led = Ledger(ledger_location)
    assert kept(led, "local") == counted(led, "local") == {"shown": 2, "backends": ["dashscope"],
                                                          "charged": [("dashscope", 1.5)]}
    page = led.library.page("local", Filter(search="zebra"), None, 10)
    assert [j.id for j in page.jobs] == ["old1", "old0"] and page.running == 1


def test_sqlite_reads_the_search_and_unfinished_indexes(tmp_path):
    led = Ledger(tmp_path / "ledger.sqlite3")
    for i in range(30):
        led.add(make_job(i))
    plans = {}
    for name, flt, select in (("search", Filter(search="horse"), "*"), ("running", Filter(state="running"), "*"),
                              ("running count", Filter(state="running"), "COUNT(*)")):
        where, args = flt.where("local", led.store.prompt, SEARCH["sqlite"])
        with led.store.read() as db:
            plans[name] = " ".join(r[-1] for r in db.execute(
                f"EXPLAIN QUERY PLAN SELECT {select} FROM jobs WHERE {where} ORDER BY created_at DESC, id DESC "
                "LIMIT 25", args))
    assert "jobs_search" in plans["search"], plans["search"]
    assert "jobs_unfinished" in plans["running"] and "TEMP B-TREE" not in plans["running"], plans["running"]
    assert "jobs_unfinished" in plans["running count"], plans["running count"]


def test_postgresql_reads_the_search_and_unfinished_indexes(pg_url):
    led = Ledger(pg_url)
    jobs = [make_job(i, prompt="a seahorse" if i % 1000 == 7 else f"shot {i}") for i in range(3000)]
    for i, job in enumerate(jobs):
        job.state = JobState.RUNNING if i % 1000 == 8 else JobState.SUCCEEDED
        job.updated_at = job.created_at
    cols = ledger_mod._COLUMNS
    with led.store.tx() as db:
        db.executemany(f"INSERT INTO jobs ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})",
                       [j.to_row() for j in jobs])
        db.execute("ANALYZE jobs")
    plans = {}
    for name, flt in (("search", Filter(search="horse")), ("running", Filter(state="running"))):
        where, args = flt.where("local", led.store.prompt, SEARCH["postgresql"])
        with led.store.read() as db:
            plans[name] = " ".join(r["QUERY PLAN"] for r in db.execute(
                f"EXPLAIN SELECT COUNT(*) FROM jobs WHERE {where}", args))
    assert "jobs_search" in plans["search"], plans["search"]
    assert "jobs_unfinished" in plans["running"], plans["running"]
