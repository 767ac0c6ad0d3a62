"""jobs and cancel: read the ledger, stop a job."""

from __future__ import annotations

import argparse
import json

from studio.service import LOCAL_OWNER, Studio


def add(sub) -> None:
    j = sub.add_parser("jobs", help="list the ledger, newest first")
    j.add_argument("--json", action="store_true")
    j.add_argument("--limit", type=int, default=50)
    j.set_defaults(run=list_jobs)
    c = sub.add_parser("cancel", help="cancel a job")
    c.add_argument("job_id")
    c.add_argument("--json", action="store_true")
    c.set_defaults(run=cancel)


def list_jobs(studio: Studio, args: argparse.Namespace) -> int:
    jobs = studio.jobs(LOCAL_OWNER, args.limit)
    if args.json:
        print(json.dumps([j.record() for j in jobs], indent=2, ensure_ascii=False))
    else:
        for j in jobs:
            cost = "" if j.cost_usd is None else f" ${j.cost_usd:.2f}"
            print(f"{j.id}  {j.state.value:<11} {j.variant.value:<4} {j.request.resolution:<5} "
                  f"{j.backend}{cost}  {j.output_path or j.error_message or ''}")
    return 0


def cancel(studio: Studio, args: argparse.Namespace) -> int:
    studio.start(resume=False)
    job = studio.cancel(LOCAL_OWNER, args.job_id)
    print(json.dumps(job.record(), indent=2) if args.json else job.error_message or job.state.words)
    return 0
