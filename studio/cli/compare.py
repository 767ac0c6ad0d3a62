"""compare: the same shot on 2 or 3 models, quoted line by line before anything is spent, then followed.

  python -m studio compare --models happyhorse-1.1,wan2.7 --variant t2v --prompt "..." [--json] [--no-wait]

The shot's flags are generate's (studio.cli.generate.shot_flags); --models replaces --model. Every clip gets
the same prompt and seed (one is picked when --seed is not given). Output: each clip's path in the order of
--models, or with --json every job's record as one JSON list; with --no-wait the job ids (or the records).
Exit codes as generate: 0 all done, 1 a clip failed or needs a decision, 2 invalid input (nothing was sent).
"""

from __future__ import annotations

import argparse
import json
import sys

from studio import models
from studio.cli import advice, generate
from studio.cli.progress import watch
from studio.jobs.model import JobState
from studio.service import Caller, Studio


def add(sub) -> None:
    c = sub.add_parser("compare", help="send the same shot to 2 or 3 models and follow them side by side")
    c.add_argument("--models", required=True, metavar="MODEL,MODEL[,MODEL]",
                   help=f"2 or 3 of {', '.join(models.catalogue().families)}, in the order to show them")
    generate.shot_flags(c)
    c.add_argument("--json", action="store_true", help="print every job's record as JSON (one list)")
    generate.wait_flag(c)
    c.set_defaults(run=compare)


def compare(studio: Studio, caller: Caller, args: argparse.Namespace) -> int:
    advice.expand_reference_set(studio, caller, args)
    generate.check_flags(args)
    advice.advice_to_stderr(studio, args)
    backend = studio.core.backend_name(args.backend)
    request = studio.compare.prepare(args.variant, args.models, **generate.fields(args, backend))
    offer = studio.compare.quote(caller, request, args.models, backend)
    print(f"{offer.describe()} — backend: {studio.backend_label(backend)}", file=sys.stderr)
    studio.start(resume=False)
    jobs = studio.compare.send(caller, offer, again=True)  # each command is a deliberate compare
    print(f"compare {jobs[0].compare_id}: jobs {' '.join(j.id for j in jobs)} submitted; data in "
          f"{studio.settings.data_dir}", file=sys.stderr)
    if args.no_wait:
        jobs = [studio.core.wait_until_sent(caller, j.id) for j in jobs]
        print(json.dumps([j.record() for j in jobs], indent=2, ensure_ascii=False) if args.json
              else "\n".join(j.id for j in jobs))
        waiting = [j for j in jobs if not j.state.finished]
        if waiting:
            studio.close()  # lets go of the jobs for the followers to take them
            for job in waiting:
                generate.follow_in_background(job.id)
            print(f"background `wait`s collect the clips when they are ready; follow one yourself with: "
                  f".venv/bin/python -m studio wait {waiting[0].id}", file=sys.stderr)
        return 0 if all(not j.state.finished or j.state is JobState.SUCCEEDED for j in jobs) else 1
    done = [watch(studio, caller, job, args.json, models.label(job.model)) for job in jobs]
    if args.json:
        print(json.dumps([j.record() for j in done], indent=2, ensure_ascii=False))
    for job in done:
        if job.state is JobState.SUCCEEDED and not args.json:
            print(job.output_path)
        elif job.state is not JobState.SUCCEEDED:
            print(f"{models.label(job.model)}: {job.state.words}: {job.error_message}", file=sys.stderr)
    return 0 if all(j.state is JobState.SUCCEEDED for j in done) else 1
