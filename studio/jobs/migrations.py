"""The ledger's schema, as the list of migrations that reach it: each runs once, in order, in one transaction
with the schema version it reaches (see the stores' apply). Append new ones at the end; never edit one that
has shipped. A migration is SQL both stores accept, or a dict with the script in each store's spelling
(keyed by store.dialect).
"""

from __future__ import annotations

from studio.jobs import gallery_index

MIGRATIONS: list[str | dict[str, str]] = [  # a dict: the script in each store's spelling (store.dialect)
    # 1: jobs and their history
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        variant TEXT NOT NULL,
        backend TEXT NOT NULL,
        region TEXT,
        state TEXT NOT NULL,
        request TEXT NOT NULL,
        quote_usd REAL NOT NULL DEFAULT 0,
        quote TEXT,
        seed INTEGER,
        task_id TEXT,
        request_id TEXT,
        progress REAL,
        output_path TEXT,
        poster_path TEXT,
        width INTEGER, height INTEGER, seconds REAL,
        billed_seconds REAL,
        cost_usd REAL,
        error_code TEXT,
        error_message TEXT,
        parent_id TEXT,
        webhook_secret TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        deadline_at REAL,
        claimed_by TEXT
    );
    CREATE INDEX jobs_owner_created ON jobs(owner, created_at DESC);
    CREATE INDEX jobs_state ON jobs(state);
    CREATE TABLE job_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL REFERENCES jobs(id),
        at REAL NOT NULL,
        state TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX job_events_job ON job_events(job_id, id);
    """,
    # 2: claims expire unless renewed, so a job held by a process on another host
    #    (a replaced container, a renamed laptop) is picked up once that holder goes quiet
    """
    ALTER TABLE jobs ADD COLUMN claimed_at REAL;
    """,
    # 3: lineage: how a derived job was made (final of, variation of, ...) and every parent in
    #    order (a stitch has one per shot); earlier Run again jobs become "retry of" their parent
    """
    ALTER TABLE jobs ADD COLUMN made_as TEXT;
    CREATE TABLE job_links (
        child_id TEXT NOT NULL REFERENCES jobs(id),
        parent_id TEXT NOT NULL REFERENCES jobs(id),
        position INTEGER NOT NULL,
        PRIMARY KEY (child_id, position)
    );
    CREATE INDEX job_links_parent ON job_links(parent_id);
    INSERT INTO job_links (child_id, parent_id, position)
        SELECT id, parent_id, 0 FROM jobs WHERE parent_id IS NOT NULL AND parent_id IN (SELECT id FROM jobs);
    UPDATE jobs SET made_as = 'retry of' WHERE parent_id IS NOT NULL;
    """,
    # 4: the provider address a job was sent to, so jobs sent to an emulator (a loopback address) count
    #    as test spend, never as money, whatever the studio is configured with later
    """
    ALTER TABLE jobs ADD COLUMN base_url TEXT;
    """,
    # 5: each finished task's provider run time under its settings (studio.jobs.timing), so the
    #    next task's status reads are planned from one indexed query; spend read from an index;
    #    a process renews its claims without scanning every job ever made
    """
    CREATE TABLE task_times (
        job_id TEXT PRIMARY KEY REFERENCES jobs(id),
        shape TEXT NOT NULL,
        seconds REAL NOT NULL,
        finished_at REAL NOT NULL
    );
    CREATE INDEX task_times_shape ON task_times(shape, finished_at DESC);
    CREATE INDEX jobs_owner_cost ON jobs(owner, cost_usd);
    CREATE INDEX jobs_claimed ON jobs(claimed_by) WHERE claimed_by IS NOT NULL;
    """,
    # 6: who pays for a job (the signed-in account, or an anonymous browser's address), so caps hold
    #    per payer and per day; the studio-wide day sum reads created_at; whose key runs it (the key
    #    itself is never stored)
    """
    ALTER TABLE jobs ADD COLUMN payer TEXT;
    ALTER TABLE jobs ADD COLUMN key_source TEXT NOT NULL DEFAULT 'owner';
    UPDATE jobs SET payer = owner WHERE payer IS NULL;
    CREATE INDEX jobs_payer_created ON jobs(payer, created_at);
    CREATE INDEX jobs_created ON jobs(created_at);
    """,
    # 7: the gallery: favourites, deletion that keeps the row (spend stays true, lineage stays whole),
    #    indexes so the newest page and the "anything changed?" check stay fast at thousands of jobs,
    #    and each owner's draft form (it survives a reload)
    """
    ALTER TABLE jobs ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN deleted_at REAL;
    CREATE INDEX jobs_gallery ON jobs(owner, deleted_at, created_at DESC, id DESC);
    CREATE INDEX jobs_owner_updated ON jobs(owner, updated_at);
    CREATE TABLE drafts (
        owner TEXT PRIMARY KEY,
        fields TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    # 8: limits per provider account shared by every replica (studio.jobs.shared_limits): when the
    #    next call may go and how long a 429 pauses them all; the tasks each account has in flight
    """
    CREATE TABLE provider_accounts (
        account TEXT PRIMARY KEY,
        next_call REAL NOT NULL DEFAULT 0,
        paused_until REAL NOT NULL DEFAULT 0
    );
    CREATE TABLE provider_slots (
        account TEXT NOT NULL REFERENCES provider_accounts(account),
        job_id TEXT NOT NULL REFERENCES jobs(id),
        holder TEXT NOT NULL,
        PRIMARY KEY (account, job_id)
    );
    """,
    # 9: the model each job runs on (HappyHorse 1.1, 1.0, Wan 2.7), so the gallery filters by it; every
    #    job before it ran on HappyHorse 1.0 (a storyboard runs on none), and so did every learned run
    #    time (studio.jobs.timing keys them by model now); the prompt as the provider rewrote it
    """
    ALTER TABLE jobs ADD COLUMN model TEXT;
    ALTER TABLE jobs ADD COLUMN actual_prompt TEXT;
    UPDATE jobs SET model = 'happyhorse-1.0' WHERE variant <> 'stitch';
    CREATE INDEX jobs_owner_model ON jobs(owner, model, created_at DESC);
    UPDATE task_times SET shape = shape || '/happyhorse-1.0';
    """,
    # 10: the gallery at 100,000 jobs of one owner: counts, spend and backends kept per owner and day as
    #    jobs change, a partial index on unfinished jobs, and a substring index for the prompt search
    gallery_index.MIGRATION,
    # 11: a compare: the same shot sent to 2-3 models as linked jobs (studio.service.compare), each job naming
    #     its compare and its place in it, so the compare view is rebuilt after a reload in the order chosen
    """
    ALTER TABLE jobs ADD COLUMN compare_id TEXT;
    ALTER TABLE jobs ADD COLUMN compare_position INTEGER;
    CREATE INDEX jobs_compare ON jobs(compare_id, compare_position) WHERE compare_id IS NOT NULL;
    """,
    # 12: the gallery's orders (studio.jobs.library.SORTS) read in order from an index each, at 100,000 jobs
    #     of one owner as at 100: by what a job cost and by its clip's length, then (created_at, id) as a
    #     page's cursor compares them; the expressions are spelled as the queries spell them. Partial (shown
    #     jobs only): PostgreSQL orders by an index only past equalities, and `deleted_at IS NULL` is none;
    #     and SQLite would otherwise count the running jobs from these instead of jobs_unfinished. Oldest
    #     first reads jobs_gallery backwards.
    """
    CREATE INDEX jobs_gallery_cost ON jobs(owner, (COALESCE(cost_usd, 0)), created_at, id) WHERE deleted_at IS NULL;
    CREATE INDEX jobs_gallery_length ON jobs(owner, (COALESCE(seconds, 0)), created_at, id) WHERE deleted_at IS NULL;
    """,
]
