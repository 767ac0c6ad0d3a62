"""Who is asking, who pays, and on whose provider account: one value, worked out once per request or command.

- owner: whose jobs the caller sees and acts on (`local` for a one-user studio and the CLI; `user:NAME` for
  a signed-in account; `anon:HASH` for an anonymous browser);
- payer: whose budget a job counts against (the owner, or for an anonymous browser its address);
- account: the user's own provider key, or None to run on the studio's key (and under its caps).

The own key lives in memory only (the runner holds it for its job: studio.jobs.accounts); repr never shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.backends import KEY_SETTING
from studio.errors import InputError
from studio.jobs.model import Job

LOCAL_OWNER = "local"


@dataclass(frozen=True)
class Account:
    """A user's own provider account: the backend it is for and its key."""

    backend: str
    key: str = field(repr=False)

    def __post_init__(self) -> None:
        if self.backend not in KEY_SETTING:
            raise InputError(f"Your own key works with {' or '.join(KEY_SETTING)}, not {self.backend!r}.")


@dataclass(frozen=True)
class Caller:
    owner: str
    payer: str
    account: Account | None = None

    @classmethod
    def of(cls, owner: str, account: Account | None = None) -> "Caller":
        """A caller who pays for their own jobs (the CLI, a signed-in account, a test)."""
        return cls(owner, owner, account)

    def account_for(self, backend: str | None) -> Account | None:
        """The caller's own account when it is for `backend` (None: whichever the account is for)."""
        if self.account is not None and backend in (None, self.account.backend):
            return self.account
        return None

    def check_key_for(self, job: Job, backend: str | None = None) -> None:
        """A job made on the user's own key runs again (on `backend`, default its own) only on that key,
        never on the studio's: refused while the caller has not given it."""
        if job.key_source == "user" and self.account_for(backend or job.backend) is None:
            raise InputError(f"Job {job.id} ran on your own {job.backend} key: give the studio your key again "
                             "(Use your own provider key) to run it again on your account.")


LOCAL = Caller.of(LOCAL_OWNER)
