"""What a compare asks the ledger (Ledger.compares): the jobs of one compare in the order its models were
chosen, an owner's recent compares, and a compare already started with the same requests (a double click).

A compare's jobs are ordinary jobs that name their compare (jobs.compare_id, migration 11) and their place
in it (compare_position); Ledger.add_group writes them in one transaction. The SQL serves both stores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.jobs.model import Job


class Compares:
    def __init__(self, store: Any, with_parents: Callable[[Any, list[Any]], list[Job]]):
        self.store = store
        self._with_parents = with_parents

    def jobs(self, compare_id: str, owner: str) -> list[Job]:
        """The owner's jobs of this compare in their places ([] for an unknown compare or someone else's)."""
        with self.store.read() as db:
            rows = db.execute("SELECT * FROM jobs WHERE compare_id = ? AND owner = ? ORDER BY compare_position",
                              (compare_id, owner)).fetchall()
            return self._with_parents(db, rows)

    def recent(self, owner: str, limit: int = 20) -> list[str]:
        """The owner's compares, newest first (one with every job deleted from the gallery is left out)."""
        with self.store.read() as db:
            rows = db.execute("SELECT compare_id, MAX(created_at) AS at FROM jobs WHERE owner = ? AND "
                              "compare_id IS NOT NULL AND deleted_at IS NULL GROUP BY compare_id "
                              "ORDER BY at DESC, compare_id LIMIT ?", (owner, limit)).fetchall()
        return [r["compare_id"] for r in rows]

    @staticmethod
    def twin(db: Any, owner: str, since: float, sent: list[tuple[str, str]]) -> list[Any]:
        """Inside add_group's transaction: the rows of the owner's compare made since `since` whose jobs are
        exactly `sent` ((request JSON, backend) in order) and none failed or was cancelled; [] when none."""
        request, backend = sent[0]
        found = db.execute("SELECT compare_id FROM jobs WHERE owner = ? AND created_at >= ? AND request = ? "
                           "AND backend = ? AND compare_id IS NOT NULL AND compare_position = 0 "
                           "ORDER BY created_at DESC LIMIT 1", (owner, since, request, backend)).fetchone()
        if found is None:
            return []
        rows = db.execute("SELECT * FROM jobs WHERE compare_id = ? AND owner = ? ORDER BY compare_position",
                          (found["compare_id"], owner)).fetchall()
        same = [(r["request"], r["backend"]) for r in rows] == sent
        return rows if same and not any(r["state"] in ("failed", "cancelled") for r in rows) else []
