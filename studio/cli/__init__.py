"""The studio from a terminal.

  python -m studio generate --variant t2v --prompt "..." --duration 5 --resolution 720P --ratio 16:9 --json
  python -m studio quote    --variant edit --prompt "warmer" --video clip.mp4
  python -m studio jobs --json
  python -m studio cancel JOB_ID
  python -m studio advise   --variant r2v --prompt "[Image 1] waves" --reference a.png --json
  python -m studio refs save "Captain Mara" front.png side.png; python -m studio refs list

Exit codes: 0 done, 1 the job failed or was cancelled, 2 invalid input.

Each module in this package adds its own commands: `add(sub)` registers its
subparsers, each with `set_defaults(run=handler)`; a handler takes the studio
and the parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys

from studio import config
from studio.cli import advice, chain, generate, jobs
from studio.errors import InputError, StudioError
from studio.service import Studio

COMMAND_MODULES = (generate, jobs, chain, advice)


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
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    studio = Studio(settings)
    try:
        return args.run(studio, args)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except StudioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        studio.close()
