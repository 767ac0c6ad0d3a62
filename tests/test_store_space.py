"""The README's Space rehearsal runs as written (#24 item 6): a local S3 server, the ledger in PostgreSQL,
and a data folder thrown away between two starts, as a Space's disk is. The recipe's lines are read from
the README and run in bash (the throwaway PostgreSQL's address, a free port and this venv's python put in
for the README's placeholders); its two `app.py` lines start the studio twice, each on a new empty folder:
the clip made in the first is listed and plays in the second. And a Space with both set keeps its clips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.app import ROOT, free_port, start_app, stop_app
from studio import config
from studio.anonymous import Signer, studio_secret
from tests.test_store_replicas import clip_url, fetch

README = ROOT / "README.md"


def rehearsal() -> list[str]:
    text = README.read_text()
    block = text.split("Rehearse it on your own machine", 1)[1].split("```", 2)[1]
    return [line for line in block.strip().splitlines() if line.strip()]


def test_a_space_with_postgresql_and_a_bucket_keeps_its_clips():
    space = {"SPACE_ID": "owner/studio", "SPACE_HOST": "owner-studio.hf.space"}
    assert not config.load(space).persistent  # its own disk only: the page warns that clips vanish
    kept = config.load({**space, "STUDIO_DATABASE_URL": "postgresql://u:p@db.example.com/studio",
                        "STUDIO_MEDIA_URL": "s3://studio-clips/studio"})
    assert kept.persistent and kept.media.in_bucket
    assert not config.load({**space, "STUDIO_MEDIA_URL": "s3://studio-clips/studio"}).persistent  # ledger lost


def test_the_readmes_space_rehearsal_runs_as_written(pg_url, tmp_path):
    lines = rehearsal()
    *setup, first, second = lines
    assert first.startswith("STUDIO_DATA_DIR=$(mktemp -d)") and first.split("#")[0].strip().endswith("app.py")
    assert second.startswith("STUDIO_DATA_DIR=$(mktemp -d)") and second.split("#")[0].strip().endswith("app.py")
    port = str(free_port())
    script = "\n".join(setup).replace(".venv/bin/python", sys.executable).replace("9000", port)
    script = script.replace("postgresql://studio:THE-PASSWORD@127.0.0.1:5432/studio", pg_url)
    assert pg_url in script and port in script
    pid_file = tmp_path / "moto.pid"
    script = script.replace("2>&1 &\n", f"2>&1 &\necho $! > {pid_file}\n", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STUDIO_"))}
    done = subprocess.run(["bash", "-ec", script + "\nenv -0"], cwd=ROOT, env=env, capture_output=True, check=False,
                          timeout=120)
    try:
        assert done.returncode == 0, done.stderr.decode()
        after = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
        studio_env = {k: v for k, v in after.items() if k.startswith(("AWS_", "STUDIO_"))}
        assert studio_env["STUDIO_MEDIA_URL"] == "s3://studio-clips/studio"
        token = Signer(studio_secret(studio_env["STUDIO_SECRET"], Path("."))).mint()

        app = start_app(tmp_path / "first" / "data", studio_env)  # make a clip, then Ctrl+C
        try:
            from gradio_client import Client

            made = Client(app.url, verbose=False, headers={"Cookie": f"happyhorse_studio_id={token}"})
            _, record = made.predict("a horse on a hill at dawn", "720P", "16:9", 3, False, "",
                                     api_name="/text_to_video")
            assert record["state"] == "succeeded"
        finally:
            stop_app(app)

        app = start_app(tmp_path / "second" / "data", studio_env)  # an empty disk: the clip is there and plays
        try:
            assert not (tmp_path / "second" / "data" / "media").exists()
            listed = Client(app.url, verbose=False, headers={"Cookie": f"happyhorse_studio_id={token}"}).predict(
                50, api_name="/list_jobs")
            assert record["id"] in {r["id"] for r in listed}
            address = clip_url(app, token, record["id"])
            clip = fetch(app, token, address)
            assert clip.status_code == 200 and clip.content[4:8] == b"ftyp"  # an MP4, whole
        finally:
            stop_app(app)
    finally:
        if pid_file.exists():
            subprocess.run(["kill", pid_file.read_text().strip()], check=False)
