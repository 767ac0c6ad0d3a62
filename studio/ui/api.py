"""API (and MCP) endpoints for what the gallery does: list jobs, one job, cancel; and a quote.

Each acts only on the caller's own jobs (UiContext.caller): another user's job
id is answered exactly like an unknown one. The generate endpoints are the
tabs' Generate buttons (see app._wire_tab); these have no component, so
gr.api derives their types from the hints and MCP their descriptions from the
docstrings.

Workflow actions (retry, extend, stitch...) plug in the same way: write a
function like those in job_actions(), type-hinted and documented, taking
`request: gr.Request` last, and pass it to wire() in extra (or add it to the
list job_actions() returns).
"""

import functools
import inspect
import math
from collections.abc import Callable

import gradio as gr

from studio import pricing
from studio.errors import InputError, NotFound, StudioError, shown_id
from studio.ui.compat import api_components
from studio.ui.context import UiContext, user_error
from studio.ui.controls import RECORD_DOC, document_api

RETURNS = {  # name: (label, description); the rest return one job record
    "list_jobs": ("Jobs", "your job records, newest first; each as described for job_status"),
    "compare": ("Jobs", "the compare's job records, in the order the models were given; each as described for "
                        "job_status, with compare_id"),
    "quote": ("Quote", ("resolution, output_seconds, input_seconds, billed_seconds, per_second and total "
                        "(US dollars), price_date")),
}

def job_actions(ctx: UiContext) -> list[Callable]:
    core = ctx.studio.core

    def list_jobs(limit: int = 50, request: gr.Request = None) -> list[dict]:
        """List your jobs, newest first, as job records (id, state, progress, variant, cost_usd, quote_usd,
        preview, output_path: where the server keeps the clip, a path on its disk or an s3:// location, not a
        file a client can open...). Free and instant: it spends nothing.

        Args:
            limit: how many jobs at most, 1 to 500; default 50
        """
        return [job.record() for job in core.jobs(ctx.caller(request), whole_number("limit", limit, 1, 500))]

    def job_status(job_id: str, request: gr.Request = None) -> dict:
        """One of your jobs: its record with state (queued, running, succeeded, failed, cancelled, unsure),
        progress 0 to 1 when known, cost and output. Free and instant: poll it every few seconds while a job runs.

        Args:
            job_id: the id from a generate call's job record or from list_jobs
        """
        return core.job(ctx.caller(request), job_ref(job_id)).record()

    def cancel_job(job_id: str, request: gr.Request = None) -> dict:
        """Cancel one of your unfinished jobs and return its record. A job cancelled at the provider in time is
        not billed; one the provider already started may still be (error_message says which). A finished job
        is returned unchanged. Free and instant.

        Args:
            job_id: the id of the job to cancel
        """
        caller = ctx.caller(request)
        job = core.job(caller, job_ref(job_id))
        if job.state.finished:
            return job.record()
        return core.cancel(caller, job.id).record()

    def quote(variant: str, resolution: str = "720P", duration: int = 5,
              source_seconds: float | None = None, model: str = "") -> dict:
        """What a clip would cost before you make it: per_second, billed_seconds and total in US dollars, with
        the model's price table date. Free and instant; the preview backend never charges.

        Args:
            variant: "t2v" (text to video), "i2v" (image to video), "r2v" (reference to video) or "edit" (video edit)
            resolution: "720P" or "1080P"; default "720P"
            duration: clip length in whole seconds, 3 to 15 (not used by edit); default 5
            source_seconds: edit only: the source clip's length in seconds (3 to 60); input and output are both billed
            model: the model to price, as submit takes it; empty: the variant's default
        """
        return pricing.quote_shape(variant, resolution, duration, source_seconds, model=model or None,
                                   backend=ctx.studio.settings.backend).to_dict()

    return [list_jobs, job_status, cancel_job, quote]


def billing_actions(ctx: UiContext) -> list[Callable]:
    """Endpoints for a clip the provider billed but the studio has not collected yet."""
    billing = ctx.studio.billing

    def collect_again(job_id: str, request: gr.Request = None) -> dict:
        """Try now to download the clip of one of your jobs that the provider finished and billed but the
        studio could not collect yet (state "uncollected"), or that passed its deadline and may still finish.
        Returns the job record after the try. It never starts a new task, so it never costs anything.

        Args:
            job_id: the id of the job whose clip to collect
        """
        return billing.collect_again(ctx.caller(request), job_ref(job_id)).record()

    return [collect_again]


def whole_number(name: str, value, lo: int, hi: int) -> int:
    """A whole number in lo..hi, from a number or its digits; refused with the range otherwise."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a whole number from {lo} to {hi}.") from None
    if not (math.isfinite(number) and number == int(number) and lo <= number <= hi):
        raise InputError(f"{name} must be a whole number from {lo} to {hi}.")
    return int(number)


JOB_ID_MAX = 64  # ids are 16 characters; anything far longer is refused before it is looked up or quoted


def job_ref(job_id) -> str:
    if not isinstance(job_id, str) or not job_id.strip() or len(job_id) > JOB_ID_MAX:
        raise InputError("job_id must be a job's id as text (16 letters and digits): take it from list_jobs "
                         "or a generate call.")
    return job_id.strip()


def wire(ctx: UiContext, extra: tuple[Callable, ...] = ()) -> None:
    """Register each action as a named API endpoint and MCP tool (inside the Blocks)."""
    from studio.ui.submit import submit_actions

    for fn in [*job_actions(ctx), *submit_actions(ctx), *extra]:
        dep = gr.api(plain_errors(fn), api_name=fn.__name__, concurrency_limit=None)
        label, text = RETURNS.get(fn.__name__, ("Job record", RECORD_DOC))
        inputs, (output,) = api_components(dep)
        output.label = label
        document_api(fn, inputs, {output: {"description": text}})


def plain_errors(fn: Callable) -> Callable:
    """The studio's own errors reach API callers as their message, not as a server error."""
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def call_async(*args, **kwargs):
            try:
                return await fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001  (each kind is answered in words, or raised again)
                raise in_words(fn, e) from None
        return call_async

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            raise in_words(fn, e) from None
    return call


def in_words(fn: Callable, e: Exception) -> Exception:
    """The error an API caller gets for `e`: the studio's own in its words, any other unchanged."""
    if isinstance(e, gr.Error):  # already in words (it is a ValueError too)
        return e
    if isinstance(e, NotFound):
        return user_error(InputError(f"No job {shown_id(e.job_id)} among your jobs: list_jobs gives their ids."))
    if isinstance(e, StudioError):
        return user_error(e, "Check your input" if isinstance(e, InputError) else "Error")
    if isinstance(e, (TypeError, ValueError, AttributeError)):  # a value of the wrong kind from a hand-made call
        return user_error(InputError(f"{fn.__name__} got a value of the wrong kind: see view_api() for its "
                                     "parameters."))
    return e
