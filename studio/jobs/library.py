"""What the gallery asks the ledger: a filter, a page of jobs, and the SQL that finds them.

Newest first, by (created_at, id) so a page boundary is stable while new jobs
arrive: the next page starts after the last job shown (a cursor), never at an
offset that shifts under the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.errors import InputError
from studio.jobs.model import Job, JobState

PAGE_SIZE = 24
MAX_PAGE = 500

# The states a user filters by, in words, and the ledger states each covers.
STATE_GROUPS: dict[str, tuple[JobState, ...]] = {
    "running": (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING, JobState.DOWNLOADING),
    "done": (JobState.SUCCEEDED,),
    "failed": (JobState.FAILED,),
    "cancelled": (JobState.CANCELLED,),
    "decide": (JobState.UNSURE,),
}


@dataclass(frozen=True)
class Filter:
    """Which of an owner's jobs to show. Empty fields match everything."""

    variant: str | None = None
    state: str | None = None          # a key of STATE_GROUPS
    backend: str | None = None
    search: str = ""                  # words in the prompt, or the start of a job id
    favourites: bool = False

    def __post_init__(self) -> None:
        if self.state and self.state not in STATE_GROUPS:
            raise InputError(f"Unknown state filter {self.state!r}: use one of {', '.join(STATE_GROUPS)}.")

    def where(self, owner: str, prompt: str = "json_extract(request, '$.prompt')") -> tuple[str, list[Any]]:
        """The WHERE clause (without the word) and its parameters; `prompt` is the store's SQL for a prompt."""
        sql, args = ["owner = ?", "deleted_at IS NULL"], [owner]
        if self.variant:
            sql.append("variant = ?")
            args.append(self.variant)
        if self.state:
            states = STATE_GROUPS[self.state]
            sql.append("state IN (%s)" % ", ".join("?" * len(states)))
            args += [s.value for s in states]
        if self.backend:
            sql.append("backend = ?")
            args.append(self.backend)
        if self.favourites:
            sql.append("favourite = 1")
        for word in self.search.split():
            like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql.append(f"({prompt} LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')")
            args += [like, like.lstrip("%")]
        return " AND ".join(sql), args


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: just after this job in newest-first order."""

    created_at: float
    job_id: str

    def encode(self) -> str:
        return f"{self.created_at!r}:{self.job_id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        if not text:
            return None
        at, _, job_id = text.partition(":")
        try:
            return cls(float(at), job_id)
        except ValueError:
            raise InputError("That page of the gallery is not valid any more: reload the gallery.") from None


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
