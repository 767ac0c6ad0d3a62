"""What the gallery asks the ledger: a filter, a page of jobs, and the SQL that finds them.

Newest first by default, by (created_at, id) so a page boundary is stable while new
jobs arrive: the next page starts after the last job shown (a cursor), never at an
offset that shifts under the user. The other orders (oldest, cost, length) page the
same way: their key, then (created_at, id), compared as one row value, which both
stores answer from an index (migration 12) without reading the pages before. The
owner's unsent form (a draft) is kept here too, so a reload restores it. The SQL is
written once for both stores.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from studio.errors import InputError
from studio.jobs.gallery_index import SEARCH, SEARCH_MIN, UNFINISHED
from studio.jobs.model import Job, JobState

PAGE_SIZE = 24
MAX_PAGE = 500

# The gallery's orders: name -> (the sort key's SQL or None for created_at alone, descending?). Each key is
# spelled exactly as its index's expression (migration 12), so both stores read the index in order; the key
# never is NULL (COALESCE), so both stores place every job the same way. A job not charged costs 0 here; a
# job with no clip yet is 0 seconds long (it comes last when the longest come first).
SORTS: dict[str, tuple[str | None, bool]] = {
    "newest": (None, True),
    "oldest": (None, False),
    "cost": ("COALESCE(cost_usd, 0)", True),
    "length": ("COALESCE(seconds, 0)", True),
}

# The states a user filters by, in words, and the ledger states each covers.
STATE_GROUPS: dict[str, tuple[JobState, ...]] = {
    "running": (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING, JobState.DOWNLOADING),
    "done": (JobState.SUCCEEDED,),
    "failed": (JobState.FAILED,),
    "cancelled": (JobState.CANCELLED,),
    "decide": (JobState.UNSURE,),
}
# Each group as SQL, its states spelled out (constants, never user text): "running" is then word for word
# the predicate of the partial index on unfinished jobs, which both stores use only on an exact match.
STATE_SQL = {name: "state IN (%s)" % ", ".join(f"'{s.value}'" for s in states)
             for name, states in STATE_GROUPS.items()}


@dataclass(frozen=True)
class Filter:
    """Which of an owner's jobs to show. Empty fields match everything."""

    variant: str | None = None
    state: str | None = None          # a key of STATE_GROUPS
    backend: str | None = None
    search: str = ""                  # words in the prompt, or the start of a job id
    favourites: bool = False
    model: str | None = None          # a catalogue id: happyhorse-1.1, happyhorse-1.0, wan2.7
    sort: str = "newest"              # a key of SORTS: the order, not a filter (everything ignores it)

    def __post_init__(self) -> None:
        if self.state and self.state not in STATE_GROUPS:
            raise InputError(f"Unknown state filter {self.state!r}: use one of {', '.join(STATE_GROUPS)}.")
        if self.sort not in SORTS:
            raise InputError(f"Unknown order {self.sort!r}: use one of {', '.join(SORTS)}.")

    def order(self) -> tuple[str, str]:
        """The ORDER BY of this sort, and the row value a cursor is compared with (as SQL)."""
        key, down = SORTS[self.sort]
        way = "DESC" if down else "ASC"
        columns = ([key] if key else []) + ["created_at", "id"]
        return ", ".join(f"{c} {way}" for c in columns), "(" + ", ".join(columns) + ")"

    @property
    def everything(self) -> bool:
        """True when nothing is filtered out (but deleted jobs)."""
        return not (self.variant or self.state or self.backend or self.model or self.search.split() or self.favourites)

    def where(self, owner: str, prompt: str = "json_extract(request, '$.prompt')",
              search: str | None = None) -> tuple[str, list[Any]]:
        """The WHERE clause (without the word) and its parameters; `prompt` is the store's SQL for a prompt,
        `search` its index lookup for one search word (gallery_index.SEARCH; None: LIKE alone)."""
        sql, args = ["owner = ?", "deleted_at IS NULL"], [owner]
        if self.variant:
            sql.append("variant = ?")
            args.append(self.variant)
        if self.state:
            sql.append(STATE_SQL[self.state])
        if self.backend:
            sql.append("backend = ?")
            args.append(self.backend)
        if self.model:
            sql.append("model = ?")
            args.append(self.model)
        if self.favourites:
            sql.append("favourite = 1")
        for word in self.search.split():
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            if search and len(word) >= SEARCH_MIN:  # the same LIKE, on the rows the index names
                sql.append(search)
                args += [word, like, like.lstrip("%")]
            else:
                sql.append(f"({prompt} LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')")
                args += [like, like.lstrip("%")]
        return " AND ".join(sql), args


STALE_PAGE = "That page of the gallery is not valid any more: reload the gallery."


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: just after this job in its order (sort; key: the job's sort key, for the
    orders that have one). Newest-first cursors keep the spelling they had before there were orders."""

    created_at: float
    job_id: str
    sort: str = "newest"
    key: float | None = None

    def encode(self) -> str:
        if self.sort == "newest":
            return f"{self.created_at!r}:{self.job_id}"
        key = "" if self.key is None else repr(self.key)
        return f"{self.sort}:{key}:{self.created_at!r}:{self.job_id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        if not text:
            return None
        sort, key = "newest", None
        head = text.partition(":")[0]
        if head in SORTS:
            sort, rest = head, text.partition(":")[2]
            if SORTS[sort][0] is not None:
                key, _, rest = rest.partition(":")
            else:
                rest = rest.partition(":")[2]
            text = rest
        at, _, job_id = text.partition(":")
        try:
            return cls(float(at), job_id, sort, None if key is None else float(key))
        except ValueError:
            raise InputError(STALE_PAGE) from None

    @classmethod
    def after(cls, job: Job, sort: str) -> "Cursor":
        """The cursor just after this job in this order."""
        key = {"cost": job.cost_usd or 0.0, "length": job.seconds or 0.0}.get(sort)
        return cls(job.created_at, job.id, sort, key)


@dataclass(frozen=True)
class Page:
    """One page of the gallery, and how many jobs match the filter in all."""

    jobs: list[Job]
    total: int
    next: Cursor | None = None
    running: int = 0                  # the owner's unfinished jobs (whatever the filter)
    filter: Filter = field(default_factory=Filter)

    @property
    def more(self) -> bool:
        return self.next is not None


def page_size(limit: int | None) -> int:
    limit = PAGE_SIZE if limit is None else int(limit)
    if not 1 <= limit <= MAX_PAGE:
        raise InputError(f"A page holds 1 to {MAX_PAGE} jobs, not {limit}.")
    return limit


class Library:
    """The gallery's queries (Ledger.library), over the ledger's store."""

    def __init__(self, store: Any):
        self.store = store

    def page(self, owner: str, filter: Filter, after: Cursor | None, limit: int) -> Page:
        """One page of the owner's jobs in the filter's order (newest first by default), with the count of
        all that match; `after` must be a cursor of the same order (a page read in another is refused)."""
        where, args = filter.where(owner, self.store.prompt, SEARCH[self.store.dialect])
        selects = self.query(owner, filter, after, limit + 1)
        with self.store.read() as db:
            if filter.everything:  # kept as jobs change (gallery_index): no count of every job
                total = int(db.execute("SELECT COALESCE(SUM(shown), 0) AS n FROM owner_days WHERE owner = ?",
                                       (owner,)).fetchone()["n"])
            else:
                total = db.execute(f"SELECT COUNT(*) AS n FROM jobs WHERE {where}", args).fetchone()["n"]
            unfinished = db.execute(f"SELECT COUNT(*) AS n FROM jobs WHERE owner = ? AND deleted_at IS NULL "
                                    f"AND {UNFINISHED}", (owner,)).fetchone()["n"]
            rows: list = []
            for select, select_args in selects:  # each a seek in the order's index
                if len(rows) <= limit:
                    rows += db.execute(select, select_args).fetchall()[:limit + 1 - len(rows)]
        jobs = [Job.from_row(r) for r in rows[:limit]]
        more = len(rows) > limit and jobs
        return Page(jobs, total, Cursor.after(jobs[-1], filter.sort) if more else None, unfinished, filter)

    def query(self, owner: str, filter: Filter, after: Cursor | None, limit: int) -> list[tuple[str, list[Any]]]:
        """The SELECTs of up to `limit` jobs after the cursor in the filter's order, with their parameters: run
        in turn until `limit` rows came back, their rows follow each other in that order. One for the first page
        and for the orders by time; an order by a key after a cursor takes two (the rest of the cursor's tie
        in that key, then the lower keys): a cost is one of a few prices, so a tie holds thousands of jobs, and
        neither store seeks a row value that starts with an expression into the middle of one."""
        key, down = SORTS[filter.sort]
        if after is not None and (after.sort != filter.sort or (after.key is None) != (key is None)):
            raise InputError(STALE_PAGE)
        where, args = filter.where(owner, self.store.prompt, SEARCH[self.store.dialect])
        order, _ = filter.order()
        beyond = "<" if down else ">"

        def select(more: str, more_args: list, by: str = order) -> tuple[str, list[Any]]:
            return f"SELECT * FROM jobs WHERE {where}{more} ORDER BY {by} LIMIT ?", [*args, *more_args, int(limit)]

        if after is None:
            return [select("", [])]
        tail = [after.created_at, after.job_id]
        if key is None:
            return [select(f" AND (created_at, id) {beyond} (?, ?)", tail)]
        in_tie = ", ".join(order.split(", ")[-2:])  # the key is one value there: SQLite would sort by it in a temp b-tree
        return [select(f" AND {key} = ? AND (created_at, id) {beyond} (?, ?)", [after.key, *tail], in_tie),
                select(f" AND {key} {beyond} ?", [after.key])]

    def own(self, owner: str, ids: list[str]) -> list[Job]:
        """The owner's shown (not deleted) jobs among these ids, in no particular order; ids of other owners'
        jobs find nothing, as ids that name no job."""
        if not ids:
            return []
        with self.store.read() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE owner = ? AND deleted_at IS NULL AND id IN "
                              f"({', '.join('?' * len(ids))})", [owner, *ids]).fetchall()
        return [Job.from_row(r) for r in rows]

    def changed(self, owner: str) -> str:
        """A short token that changes whenever any of the owner's jobs changes (the gallery polls it): the
        owner's count of job inserts and changes, kept by the database as they happen (gallery_index)."""
        with self.store.read() as db:
            row = db.execute("SELECT COALESCE(SUM(changes), 0) AS n FROM owner_days WHERE owner = ?",
                             (owner,)).fetchone()
        return str(int(row["n"]))

    def backends(self, owner: str) -> list[str]:
        """The backends the owner's jobs ran on (the gallery's backend filter offers these)."""
        with self.store.read() as db:
            rows = db.execute("SELECT backend FROM owner_days WHERE owner = ? GROUP BY backend "
                              "HAVING SUM(shown) > 0 ORDER BY backend", (owner,)).fetchall()
        return [r["backend"] for r in rows]

    def models(self, owner: str) -> list[str]:
        """The models the owner's jobs ran on (for the gallery's model filter), in name order."""
        with self.store.read() as db:
            rows = db.execute("SELECT DISTINCT model FROM jobs WHERE owner = ? AND deleted_at IS NULL "
                              "AND model IS NOT NULL ORDER BY model", (owner,)).fetchall()
        return [r["model"] for r in rows]

    def save_draft(self, owner: str, fields: dict[str, Any]) -> None:
        """Keep these fields of the owner's draft; the fields it holds that are not given stay."""
        with self.store.tx() as db:
            row = db.execute("SELECT fields FROM drafts WHERE owner = ?", (owner,)).fetchone()
            fields = {**(json.loads(row["fields"]) if row else {}), **fields}
            db.execute("INSERT INTO drafts (owner, fields, updated_at) VALUES (?, ?, ?) ON CONFLICT(owner) "
                       "DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at",
                       (owner, json.dumps(fields, ensure_ascii=False), time.time()))

    def draft(self, owner: str) -> dict[str, Any]:
        with self.store.read() as db:
            row = db.execute("SELECT fields FROM drafts WHERE owner = ?", (owner,)).fetchone()
        return json.loads(row["fields"]) if row else {}
