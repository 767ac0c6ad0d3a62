"""A user's own provider key: which backends take one, and a job made on one runs again only on it.

The key itself never comes here: the runner holds it in memory for its job (studio.jobs.accounts).
"""

from __future__ import annotations

from studio import backends
from studio.errors import InputError
from studio.jobs.model import Job


def own_key_backend(backend: str | None) -> str:
    """The backend a user's own key is for; refused for one that takes no user key."""
    if backend not in backends.KEY_SETTING:
        raise InputError(f"Your own key works with {' or '.join(backends.KEY_SETTING)}, not {backend!r}.")
    return backend


def same_key(old: Job, key: str | None) -> None:
    """A job that ran on the user's own key runs again only on that key (never on the owner's)."""
    if old.key_source == "user" and key is None:
        raise InputError(f"Job {old.id} ran on your own {old.backend} key: give the studio your key again "
                         "(Use your own provider key) to run it again on your account.")
