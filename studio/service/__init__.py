"""What a user can do: a small core that owns money (core.py) and the sections handed it (chain, billing,
gallery, advice, references), put together once in studio.py. Every call names its Caller (caller.py)."""

from studio.service.caller import LOCAL, LOCAL_OWNER, Account, Caller
from studio.service.core import Core, Prepared
from studio.service.studio import Studio

__all__ = ["LOCAL", "LOCAL_OWNER", "Account", "Caller", "Core", "Prepared", "Studio"]
