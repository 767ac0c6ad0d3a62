"""Where jobs' kept files live (the ledger's output_path and poster_path: studio.media.store's locations),
read and rewritten when media move from the data folder into a bucket. The SQL serves both stores."""

from __future__ import annotations

import time
from typing import Any

COLUMNS = ("output_path", "poster_path")


class Locations:
    """The ledger's location queries (Ledger.locations), over the ledger's store."""

    def __init__(self, store: Any):
        self.store = store

    def under(self, folder: str) -> list[tuple[str, str | None, str | None]]:
        """(id, output_path, poster_path) of the jobs not deleted whose clip or poster lies under `folder`
        (a path ending in '/'), oldest first."""
        n = len(folder)
        with self.store.read() as db:
            rows = db.execute("SELECT id, output_path, poster_path FROM jobs WHERE deleted_at IS NULL AND "
                              "(substr(output_path, 1, ?) = ? OR substr(poster_path, 1, ?) = ?) ORDER BY created_at",
                              (n, folder, n, folder)).fetchall()
        return [(r["id"], r["output_path"], r["poster_path"]) for r in rows]

    def relocate(self, job_id: str, column: str, old: str, new: str) -> bool:
        """Point a job's clip or poster at its new location, if it still names the old one (a job changed
        meanwhile keeps what it has). True when it moved."""
        if column not in COLUMNS:
            raise ValueError(f"not a location column: {column}")
        with self.store.tx() as db:
            cur = db.execute(f"UPDATE jobs SET {column} = ?, updated_at = ? WHERE id = ? AND {column} = ?",
                             (new, time.time(), job_id, old))
            return cur.rowcount == 1
