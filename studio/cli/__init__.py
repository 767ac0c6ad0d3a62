"""The studio from a terminal.

  .venv/bin/python -m studio generate --variant t2v --prompt "..." --duration 5 --resolution 720P --ratio 16:9
  .venv/bin/python -m studio generate --variant t2v --prompt "..." --no-wait    # prints the job id
  .venv/bin/python -m studio wait JOB_ID | show JOB_ID | open JOB_ID | cancel JOB_ID
  .venv/bin/python -m studio quote --variant edit --prompt "warmer" --video clip.mp4
  .venv/bin/python -m studio quote --variant t2v --prompt "..." --model wan2.7 --negative-prompt "text" --no-prompt-extend
  .venv/bin/python -m studio compare --models happyhorse-1.1,wan2.7 --variant t2v --prompt "..." [--json] [--no-wait]
  .venv/bin/python -m studio jobs --json
  .venv/bin/python -m studio advise --variant r2v --prompt "[Image 1] waves" --reference a.png --json
  .venv/bin/python -m studio refs save "Captain Mara" front.png side.png; .venv/bin/python -m studio refs list
  .venv/bin/python -m studio frame JOB --last --out frame.png | final JOB | variations JOB --count 3
  .venv/bin/python -m studio stitch JOB JOB ... [--crossfade 0.5] [--trim JOB=IN:OUT] [--fit smallest]
  .venv/bin/python -m studio media move --to s3://bucket/prefix [--keep]

Exit codes, every command: 0 done; 1 the job failed, was cancelled or needs a decision (generate, compare, wait),
or has no clip (open); 2 invalid input: a bad flag or value, a missing file, an unknown job id.

Each module in this package adds its own commands: `add(sub)` registers its
subparsers, each with `set_defaults(run=handler)`; a handler takes the studio,
the caller (the local user, worked out once per command) and the parsed
arguments, and returns the exit code.
"""

from __future__ import annotations

import argparse
import os
import sys

from studio import config, startup
from studio.cli import advice, chain, compare, generate, jobs, media
from studio.errors import InputError, NotFound, SettingError, StudioError, shown_id
from studio.service import LOCAL, Studio

COMMAND_MODULES = (generate, compare, jobs, chain, advice, media)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m studio", description="HappyHorse Studio from the command line.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = config.load()
        startup.check_storage(settings, reach_media=False)  # a ledger on a network mount: refused in words
        studio = Studio(settings)
    except (ValueError, SettingError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        return args.run(studio, LOCAL, args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except NotFound as e:
        print(f"error: no job {shown_id(e.job_id)} in {settings.data_dir} (STUDIO_DATA_DIR): list the jobs "
              "there with `jobs`.", file=sys.stderr)
        return 2
    except StudioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: jobs already sent stay in the ledger and resume with the studio or `wait JOB`.",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`show JOB | head`): what it wanted was printed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    finally:
        studio.close()
