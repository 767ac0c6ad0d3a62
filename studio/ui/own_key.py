"""Bring your own key: a signed-in user may run their jobs on their own provider account.

The key is kept in the studio's memory, for that account only, while the
studio runs: never in the ledger, on disk or in the page, never shown again
(not even in part). Jobs started with it skip the owner's caps. After a restart
a job started with it waits until the user pastes the key again, instead of
falling back to the owner's key. (Not in browser storage: inside the Space's
cross-site iframe a browser may refuse storage access, and the page would not
load.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import gradio as gr

from studio.backends import KEY_SETTING
from studio.service import Account, Caller
from studio.ui.context import UiContext

PROVIDERS = [("DashScope (Alibaba Model Studio)", "dashscope"), ("inference.sh", "inferencesh")]


@dataclass
class OwnKeyUi:
    status: gr.Markdown
    restore: object  # run on page load: says whether this account's key is in use


def render(ctx: UiContext) -> OwnKeyUi:
    with gr.Accordion("Use your own provider key", open=False, elem_id="hh-own-key"):
        gr.Markdown("Signed in, you can run your jobs on your own DashScope or inference.sh account: they are "
                    "billed to you and skip this studio's caps. The key stays in the studio's memory, for your account "
                    "only, until the studio restarts (then paste it again); it is never stored or shown again. "
                    "DashScope keys must be for this studio's region.")
        with gr.Row():
            backend = gr.Radio(PROVIDERS, value="dashscope", label="Provider", scale=2)
            key = gr.Textbox(label="API key", type="password", placeholder="sk-… or inf_…", scale=3)
        with gr.Row():
            use = gr.Button("Use my key", size="sm", variant="primary")
            forget = gr.Button("Forget my key", size="sm")
    status = gr.Markdown(elem_classes=["hh-own-key-status"])  # outside: in view whether the panel is open or not

    def signed_in(request: gr.Request) -> Caller:
        caller = ctx.caller(request)
        if not caller.owner.startswith("user:"):
            raise gr.Error("Sign in first: your own key is tied to your account.", title="Not signed in")
        return caller

    def take(backend: str, key: str, request: gr.Request):
        caller = signed_in(request)
        key = (key or "").strip()
        if backend not in KEY_SETTING or not key or len(key) > 512 or any(c.isspace() for c in key):
            raise gr.Error("Paste the whole API key from your provider's console (no spaces).")
        account = Account(backend, key)
        ctx.callers.own_keys.put(caller.owner, account)
        resumed = ctx.studio.core.resume(replace(caller, account=account))
        return "", _in_use(backend, resumed)

    def restore(request: gr.Request):
        caller = ctx.caller_or_none(request)
        return _in_use(caller.account.backend, 0) if caller and caller.account else gr.skip()

    def drop(request: gr.Request):
        ctx.callers.own_keys.put(signed_in(request).owner, None)
        return "Your key is forgotten: new jobs use this studio's key and its caps."

    use.click(take, [backend, key], [key, status], api_visibility="private")
    forget.click(drop, None, status, api_visibility="private")
    return OwnKeyUi(status, restore)


def _in_use(backend: str, resumed: int) -> str:
    name = dict((v, k) for k, v in PROVIDERS)[backend]
    more = f" {resumed} job{'s' * (resumed != 1)} waiting for it continue{'s' * (resumed == 1)}." if resumed else ""
    return f"Your {name} key is in use for your new jobs.{more}"
