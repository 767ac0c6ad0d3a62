"""What keeps the gallery's questions as fast at 100,000 jobs of one owner as at 1,000.

Three things, kept in step with the jobs by the database itself (triggers), so every
writer, whichever replica or script, keeps them true:

- owner_days: per owner, backend, provider address and UTC day, how many jobs are shown
  (not deleted), how many changes they had (the gallery's "anything changed?" token), and
  what the charged ones cost. The newest page's count, the backend filter's choices, the
  token and the spend line read a few rows of it instead of every job.
- a partial index on unfinished jobs (by owner, by payer): the running list, the running
  count and the running cap read only the jobs still in flight.
- a substring index on each job's prompt and id: SQLite's FTS5 with its trigram tokenizer;
  on PostgreSQL a GIN index over the same three-character pieces (PostgreSQL's to_tsvector
  words are whole words, so it would miss a part of a word that LIKE finds: "horse" in
  "seahorse", a character inside a Chinese sentence). The index only narrows the rows; the
  LIKE that defined the search still decides, so a search finds exactly what it found before.

The migration is spelled once per store (triggers and text search are where they differ).
"""

from __future__ import annotations

DAY = 86400  # owner_days.day is the UTC day a job was sent: created_at // DAY

# Jobs still in flight; spelled exactly as the partial indexes' predicate, so both stores use them.
UNFINISHED = "state IN ('queued', 'submitting', 'running', 'downloading')"
SEARCH_MIN = 3  # shorter words have no three-character piece to look up: LIKE alone reads them

_BOTH = f"""
    CREATE INDEX jobs_unfinished ON jobs(owner, deleted_at, created_at DESC, id DESC) WHERE {UNFINISHED};
    CREATE INDEX jobs_unfinished_payer ON jobs(payer, key_source) WHERE {UNFINISHED};
"""

# SQLite: the new row's job counted into its owner's day (a trigger's body, after the old one is taken out)
_SQLITE_ADD_NEW = """
        INSERT INTO owner_days (owner, backend, base_url, day, shown, changes, charged, cost)
        VALUES (new.owner, new.backend, COALESCE(new.base_url, ''), CAST(new.created_at / 86400 AS INTEGER),
                new.deleted_at IS NULL, 1, new.cost_usd IS NOT NULL, COALESCE(new.cost_usd, 0))
        ON CONFLICT (owner, backend, base_url, day) DO UPDATE SET shown = shown + excluded.shown,
            changes = changes + 1, charged = charged + excluded.charged, cost = cost + excluded.cost;"""

_SQLITE = _BOTH + """
    CREATE TABLE owner_days (
        owner TEXT NOT NULL,
        backend TEXT NOT NULL,
        base_url TEXT NOT NULL,
        day INTEGER NOT NULL,
        shown INTEGER NOT NULL DEFAULT 0,
        changes INTEGER NOT NULL DEFAULT 0,
        charged INTEGER NOT NULL DEFAULT 0,
        cost REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (owner, backend, base_url, day)
    );
    INSERT INTO owner_days (owner, backend, base_url, day, shown, changes, charged, cost)
        SELECT owner, backend, COALESCE(base_url, ''), CAST(created_at / 86400 AS INTEGER),
               SUM(deleted_at IS NULL), COUNT(*), COUNT(cost_usd), COALESCE(SUM(cost_usd), 0)
        FROM jobs GROUP BY 1, 2, 3, 4;
    CREATE TRIGGER owner_days_added AFTER INSERT ON jobs BEGIN
{add_new}
    END;
    CREATE TRIGGER owner_days_changed AFTER UPDATE OF updated_at, deleted_at, cost_usd, owner, backend,
            base_url, created_at ON jobs BEGIN
        UPDATE owner_days SET shown = shown - (old.deleted_at IS NULL),
            charged = charged - (old.cost_usd IS NOT NULL), cost = cost - COALESCE(old.cost_usd, 0)
        WHERE owner = old.owner AND backend = old.backend AND base_url = COALESCE(old.base_url, '')
            AND day = CAST(old.created_at / 86400 AS INTEGER);
{add_new}
    END;
    CREATE VIRTUAL TABLE jobs_search USING fts5(prompt, id, tokenize = 'trigram');
    INSERT INTO jobs_search (prompt, id) SELECT json_extract(request, '$.prompt'), id FROM jobs;
    CREATE TRIGGER jobs_search_added AFTER INSERT ON jobs BEGIN
        INSERT INTO jobs_search (prompt, id) VALUES (json_extract(new.request, '$.prompt'), new.id);
    END;
    CREATE TRIGGER jobs_search_changed AFTER UPDATE OF request, id ON jobs BEGIN
        DELETE FROM jobs_search WHERE jobs_search MATCH 'id : "' || replace(old.id, '"', '""') || '"' AND id = old.id;
        INSERT INTO jobs_search (prompt, id) VALUES (json_extract(new.request, '$.prompt'), new.id);
    END;
    CREATE TRIGGER jobs_search_removed AFTER DELETE ON jobs BEGIN
        DELETE FROM jobs_search WHERE jobs_search MATCH 'id : "' || replace(old.id, '"', '""') || '"' AND id = old.id;
    END;
""".replace("{add_new}", _SQLITE_ADD_NEW)

_POSTGRESQL = _BOTH + """
    CREATE TABLE owner_days (
        owner TEXT NOT NULL,
        backend TEXT NOT NULL,
        base_url TEXT NOT NULL,
        day BIGINT NOT NULL,
        shown BIGINT NOT NULL DEFAULT 0,
        changes BIGINT NOT NULL DEFAULT 0,
        charged BIGINT NOT NULL DEFAULT 0,
        cost DOUBLE PRECISION NOT NULL DEFAULT 0,
        PRIMARY KEY (owner, backend, base_url, day)
    );
    INSERT INTO owner_days (owner, backend, base_url, day, shown, changes, charged, cost)
        SELECT owner, backend, COALESCE(base_url, ''), floor(created_at / 86400)::bigint,
               COUNT(*) FILTER (WHERE deleted_at IS NULL), COUNT(*), COUNT(cost_usd), COALESCE(SUM(cost_usd), 0)
        FROM jobs GROUP BY 1, 2, 3, 4;
    CREATE FUNCTION studio_owner_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            UPDATE owner_days SET shown = shown - (OLD.deleted_at IS NULL)::int,
                charged = charged - (OLD.cost_usd IS NOT NULL)::int, cost = cost - COALESCE(OLD.cost_usd, 0)
            WHERE owner = OLD.owner AND backend = OLD.backend AND base_url = COALESCE(OLD.base_url, '')
                AND day = floor(OLD.created_at / 86400)::bigint;
        END IF;
        INSERT INTO owner_days AS d (owner, backend, base_url, day, shown, changes, charged, cost)
        VALUES (NEW.owner, NEW.backend, COALESCE(NEW.base_url, ''), floor(NEW.created_at / 86400)::bigint,
                (NEW.deleted_at IS NULL)::int, 1, (NEW.cost_usd IS NOT NULL)::int, COALESCE(NEW.cost_usd, 0))
        ON CONFLICT (owner, backend, base_url, day) DO UPDATE SET shown = d.shown + excluded.shown,
            changes = d.changes + 1, charged = d.charged + excluded.charged, cost = d.cost + excluded.cost;
        RETURN NULL;
    END $$;
    CREATE TRIGGER owner_days_added AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION studio_owner_days();
    CREATE TRIGGER owner_days_changed AFTER UPDATE OF updated_at, deleted_at, cost_usd, owner, backend,
        base_url, created_at ON jobs FOR EACH ROW EXECUTE FUNCTION studio_owner_days();
    CREATE FUNCTION studio_trigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT COALESCE(array_agg(DISTINCT substr(t, i, 3)), '{}') FROM generate_series(1, char_length(t) - 2) AS i
    $$;
    CREATE FUNCTION studio_search_trigrams(request text, id text) RETURNS text[]
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    BEGIN
        RETURN studio_trigrams(COALESCE(request::json ->> 'prompt', '')) || studio_trigrams(id);
    END $$;
    CREATE INDEX jobs_search ON jobs USING GIN (studio_search_trigrams(request, id));
"""

# The migration, in each store's spelling (studio.jobs.migrations.MIGRATIONS takes either form).
MIGRATION = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}

# One search word, per store: the index narrows the rows, the LIKE that defined the search decides (its
# parameters: the word as typed, then the same LIKE pattern for the prompt and the id prefix as before).
SEARCH = {
    "sqlite": "jobs.id IN (SELECT id FROM jobs_search WHERE jobs_search MATCH '\"' || replace(?, '\"', '\"\"') "
              "|| '\"' AND (prompt LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\'))",
    "postgresql": "studio_search_trigrams(request, id) @> studio_trigrams(?) AND ((request::json ->> 'prompt') "
                  "LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')",
}
