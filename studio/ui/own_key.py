"""Bring your own key: a signed-in user may run their jobs on their own provider account.

The key is kept in the user's own browser (its local storage, with the account
it belongs to: another account signed in on the same browser does not get it)
and, while the studio runs, in memory for that account only. It is never written to the
ledger or to disk, never shown again (not even in part), and jobs started with
it skip the owner's caps. After a restart a job started with it waits until the
user's browser hands the key back (on their next visit) instead of falling back
to the owner's key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import gradio as gr

from studio.anonymous import studio_secret
from studio.backends import KEY_SETTING
from studio.errors import StudioError
from studio.ui.context import UiContext
from studio.ui.identity import OwnKey

PROVIDERS = [("DashScope (Alibaba Model Studio)", "dashscope"), ("inference.sh", "inferencesh")]
STORAGE_KEY = "happyhorse-own-key"


def browser_secret(settings) -> str:
    """The browser storage's secret, stable across restarts so a saved key can be read back.

    Gradio hands it to the page, so it only scrambles the stored value: what keeps a key to its
    owner is that it stays in their browser, tagged with their account.
    """
    seed = studio_secret(settings.browser_secret, settings.data_dir)
    return hashlib.sha256(b"happyhorse-own-key:" + seed).hexdigest()


@dataclass
class OwnKeyUi:
    stored: gr.BrowserState
    status: gr.Markdown
    restore: object  # run on page load: hands a key kept in this browser back to the studio


def render(ctx: UiContext) -> OwnKeyUi:
    with gr.Accordion("Use your own provider key", open=False, elem_id="hh-own-key"):
        gr.Markdown("Signed in, you can run your jobs on your own DashScope or inference.sh account: they are "
                    "billed to you and skip this studio's caps. The key stays in this browser (for your account "
                    "only) and in the studio's memory while it runs; it is never stored on the server or shown "
                    "again. DashScope keys must be for this studio's region.")
        with gr.Row():
            backend = gr.Radio(PROVIDERS, value="dashscope", label="Provider", scale=2)
            key = gr.Textbox(label="API key", type="password", placeholder="sk-… or inf_…", scale=3)
        with gr.Row():
            use = gr.Button("Use my key", size="sm", variant="primary")
            forget = gr.Button("Forget my key", size="sm")
    status = gr.Markdown(elem_classes=["hh-own-key-status"])  # outside: in view whether the panel is open or not
    stored = gr.BrowserState(None, storage_key=STORAGE_KEY, secret=browser_secret(ctx.studio.settings))

    def signed_in_owner(request: gr.Request) -> str:
        owner = ctx.owner(request)
        if not owner.startswith("user:"):
            raise gr.Error("Sign in first: your own key is tied to your account.", title="Not signed in")
        return owner

    def take(backend: str, key: str, request: gr.Request):
        owner = signed_in_owner(request)
        key = (key or "").strip()
        if backend not in KEY_SETTING or not key or len(key) > 512 or any(c.isspace() for c in key):
            raise gr.Error("Paste the whole API key from your provider's console (no spaces).")
        ctx.own_keys.put(owner, OwnKey(backend, key))
        resumed = _resume(ctx, owner, OwnKey(backend, key))
        return {"owner": owner, "backend": backend, "key": key}, "", _in_use(backend, resumed)

    def restore(saved, request: gr.Request):
        owner = ctx.owner_or_none(request)
        if not owner or not owner.startswith("user:") or not isinstance(saved, dict) or saved.get("owner") != owner:
            return gr.skip()  # a key saved in this browser by another account is not theirs to use
        own = OwnKey(str(saved.get("backend")), str(saved.get("key") or ""))
        if own.backend not in KEY_SETTING or not own.key:
            return gr.skip()
        ctx.own_keys.put(owner, own)
        return _in_use(own.backend, _resume(ctx, owner, own))

    def drop(request: gr.Request):
        ctx.own_keys.put(signed_in_owner(request), None)
        return None, "Your key is forgotten: new jobs use this studio's key and its caps."

    use.click(take, [backend, key], [stored, key, status], api_visibility="private")
    forget.click(drop, None, [stored, status], api_visibility="private")
    return OwnKeyUi(stored, status, restore)


def _resume(ctx: UiContext, owner: str, own: OwnKey) -> int:
    try:
        return ctx.studio.use_key(owner, own.backend, own.key)
    except StudioError as e:
        raise gr.Error(str(e)) from None


def _in_use(backend: str, resumed: int) -> str:
    name = dict((v, k) for k, v in PROVIDERS)[backend]
    more = f" {resumed} job{'s' * (resumed != 1)} waiting for it continue{'s' * (resumed == 1)}." if resumed else ""
    return f"Your {name} key is in use for your new jobs.{more}"
