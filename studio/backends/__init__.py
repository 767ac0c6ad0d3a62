"""Backends: one adapter per provider behind the contract in base.py."""

from __future__ import annotations

from studio.backends.base import Backend
from studio.config import Settings


KEY_SETTING = {"dashscope": "dashscope_key", "inferencesh": "inference_key"}


def make_backend(name: str, settings: Settings, key: str | None = None) -> Backend:
    """Build a backend by name, on the owner's key or on a user's own `key`. Adapters are imported only when used."""
    if key is not None and name not in KEY_SETTING:
        raise ValueError(f"the {name} backend takes no key")
    if name == "preview":
        from studio.backends.preview import PreviewBackend as cls
    elif name == "dashscope":
        from studio.backends.dashscope import DashScopeBackend as cls
    elif name == "inferencesh":
        from studio.backends.inferencesh import InferenceShBackend as cls
    else:
        raise ValueError(f"unknown backend {name!r}")
    return cls.from_settings(settings) if key is None else cls.from_settings(settings, key=key)


def reference_token(name: str, n: int) -> str:
    """How a prompt names reference n on this backend (each provider documents its own style)."""
    if name == "dashscope":
        from studio.backends.dashscope import REFERENCE_TOKEN
    elif name == "inferencesh":
        from studio.backends.inferencesh import REFERENCE_TOKEN
    else:
        REFERENCE_TOKEN = "[Image {n}]"  # the preview follows inference.sh's documented style
    return REFERENCE_TOKEN.format(n=n)


def describe(name: str, settings: Settings) -> str:
    """Backend and region in words, for the header and job cards."""
    if name == "preview":
        return "preview (offline renderer, free — not HappyHorse output)"
    if name == "studio":
        return "studio (joined here from your clips, free)"
    if name == "dashscope":
        return f"DashScope ({settings.dashscope_region}, {settings.dashscope_url})"
    return f"inference.sh ({settings.inference_url})"
