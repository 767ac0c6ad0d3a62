"""jobs, show, open, wait, cancel and collect: read the ledger, follow, stop or collect one job."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import webbrowser
from pathlib import Path

from studio import models
from studio.cli.progress import follow
from studio.jobs.model import Job, JobState
from studio.service import Caller, Studio


def add(sub) -> None:
    j = sub.add_parser("jobs", help="list the ledger, newest first")
    j.add_argument("--json", action="store_true")
    j.add_argument("--limit", type=int, default=50)
    j.set_defaults(run=list_jobs)
    for name, text, run in (("show", "one job: state, cost, settings, clip, history", show),
                            ("open", "open a job's clip in the system's player (and show the job)", open_clip),
                            ("wait", "follow an unfinished job until it ends", wait),
                            ("cancel", "cancel an unfinished job", cancel),
                            ("collect", "try now to collect a billed clip that did not arrive (no new charge)",
                             collect)):
        c = sub.add_parser(name, help=text)
        c.add_argument("job_id")
        c.add_argument("--json", action="store_true", help="print the job record as JSON")
        c.set_defaults(run=run)


def print_record(job: Job) -> None:
    print(json.dumps(job.record(), indent=2, ensure_ascii=False))


def cost(job: Job) -> str:
    if job.is_test:
        return "free (preview)" if job.is_preview else "test run on an emulator: no money"
    return f"${job.cost_usd:.2f}" if job.cost_usd is not None else f"≈ ${job.quote_usd:.2f} quoted"


def list_jobs(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    jobs = studio.core.jobs(caller, args.limit)
    if args.json:
        print(json.dumps([j.record() for j in jobs], indent=2, ensure_ascii=False))
    else:
        for j in jobs:
            print(f"{j.id}  {j.state.value:<11} {j.variant.value:<4} {j.request.resolution:<5} "
                  f"{j.backend} {cost(j)}  {j.output_path or j.error_message or ''}")
    return 0


def show(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    job = studio.core.job(caller, args.job_id)
    if args.json:
        print_record(job)
        return 0
    r = job.request
    settings = " · ".join(str(x) for x in (r.resolution, r.ratio, f"{r.duration} s" if r.duration else None,
                                           f"seed {job.seed}", f"sound {r.audio.value}" if r.audio else None) if x)
    lines = [f"job {job.id}: {r.variant.title}, {job.state.words}"
             + (f" ({job.progress * 100:.0f}%)" if job.progress and not job.state.finished else ""),
             f"backend: {studio.backend_label(job.backend)}", f"cost: {cost(job)}", f"settings: {settings}",
             f"prompt: {r.prompt or '-'}"]
    if job.error_message:
        lines.append(f"why: {job.error_message}")
    if job.output_path:
        lines.append(f"clip: {job.output_path}")
    if job.compare_id:  # the same shot on other models, in the compare's order
        lines.append(f"compare {job.compare_id}: " + ", ".join(
            f"{j.id} ({models.label(j.model)}{', this one' if j.id == job.id else ''}, {j.state.words})"
            for j in studio.compare.group(caller, job.compare_id)))
    history = studio.core.history(caller, job.id)
    lines.append("history: " + " -> ".join(
        f"{h['state']} {dt.datetime.fromtimestamp(h['at']).strftime('%H:%M:%S')}" for h in history))
    print("\n".join(lines))
    return 0


def open_clip(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    show(studio, caller, args)
    job = studio.core.job(caller, args.job_id)
    if job.state is not JobState.SUCCEEDED or not job.output_path:
        print(f"job {job.id} has no clip to open: it is {job.state.words}.")
        return 1
    local = studio.media_path(job.output_path)  # a bucket's clip: its copy in the local cache
    if local is None:
        print(f"job {job.id}'s clip is not in the media store ({studio.media.url}): run it again.")
        return 1
    if not webbrowser.open(Path(local).as_uri()):
        print(f"no player could be started here; the clip is {local}")
    return 0


def wait(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    job = studio.core.job(caller, args.job_id)
    studio.start(resume=False)
    return follow(studio, caller, job, as_json=args.json)


def cancel(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    job = studio.core.job(caller, args.job_id)
    if job.state.finished:
        message = f"job {job.id} had already finished ({job.state.words}): nothing to cancel."
    else:
        studio.start(resume=False)
        job = studio.core.cancel(caller, job.id)
        message = f"job {job.id}: {job.error_message or job.state.words}"
    if args.json:
        print_record(job)
    else:
        print(message)
    return 0


def collect(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    """Exit 0 when the clip is here, 1 when it is still owed (the studio goes on trying)."""
    studio.start(resume=False)
    job = studio.billing.collect_again(caller, args.job_id)
    if args.json:
        print_record(job)
    else:
        print(job.output_path if job.state is JobState.SUCCEEDED else f"job {job.id}: {job.error_message}")
    return 0 if job.state is JobState.SUCCEEDED else 1
