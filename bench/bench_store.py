"""What keeping clips in a bucket adds: task finished -> clip playable, data folder vs S3 bucket, same run.

    python bench/bench_store.py [--jobs 5]

Two studios side by side on one emulator (DashScope protocol over loopback HTTP, real 15 s 1080P
H.264/AAC clips): one keeps media in its data folder (the default), the other in an S3 bucket
served by moto's standalone server in its own process on loopback (STUDIO_MEDIA_URL). Jobs
alternate between them, one at a time, so both see the same machine load. Per job, from the
ledger's events: `downloading` (the runner saw the task finished) to `succeeded` (clip and poster
kept, playable): download, check, poster, and the store's write.

Then the store's write alone, as collect does it (put with take=True: a rename into the folder,
or an upload whose file stays as the local cache copy), on the same clip and poster.

moto on loopback is not a real network: no latency, no bandwidth limit, no TLS. It measures the
studio's own cost of the bucket path (obstore's multipart upload, the size read back), not what a
far-away bucket adds; that is dominated by the uplink (a 30 MB clip at 100 Mbit/s is about 2.4 s).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.emulator import start_emulator, stop_emulator  # noqa: E402
from studio import config, startup  # noqa: E402
from studio.service import Caller, Studio  # noqa: E402

OWNER = Caller.of("bench")
KEY_ID, SECRET = "bench-key", "bench-secret"


def start_moto() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto's server did not start")


def make_bucket(endpoint: str, name: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                 aws_secret_access_key=SECRET).create_bucket(Bucket=name)


def make_studio(emu, data_dir: Path, media: dict) -> Studio:
    env = {"STUDIO_DATA_DIR": str(data_dir), "DASHSCOPE_API_KEY": "sk-bench-store", "DASHSCOPE_BASE_URL": emu.url,
           **media}
    return Studio(config.load(env), time_scale=0.05).start()


def to_playable(studio: Studio, seed: int, made: list | None = None) -> float:
    """One 15 s 1080P job; seconds from the runner seeing it finished to the clip kept."""
    job = studio.core.submit(OWNER, studio.core.prepare("t2v", prompt=f"shot {seed}", resolution="1080P", duration=15,
                                              seed=seed), backend="dashscope")
    job = studio.core.wait(OWNER, job.id, timeout=600)
    if job.state.value != "succeeded":
        raise SystemExit(f"job {job.id} {job.state.value}: {job.error_message}")
    if made is not None:
        made.append(job)
    at = {e["state"]: e["at"] for e in studio.core.history(OWNER, job.id)}
    return at["succeeded"] - at["downloading"]


def write_only(studio: Studio, clip: Path, poster: Path, n: int) -> float:
    """collect's write: poster then clip, put with take=True (copies made beforehand, untimed)."""
    staging = studio.media.staging_dir(f"media/w{n}.mp4")
    staging.mkdir(parents=True, exist_ok=True)
    c, p = staging / f".w{n}.mp4", staging / f".w{n}.jpg"
    shutil.copyfile(clip, c)
    shutil.copyfile(poster, p)
    start = time.perf_counter()
    studio.media.put(f"media/w{n}.jpg", p, take=True)
    studio.media.put(f"media/w{n}.mp4", c, take=True)
    return time.perf_counter() - start


def first_play_elsewhere(emu, data_dir: Path, media: dict, jobs: list) -> list[float]:
    """Another machine (an empty data folder, the same bucket) makes each clip playable: fetched whole from
    the bucket into its bounded cache, the path the page hands Gradio (Studio.media_path)."""
    other = Studio(config.load({"STUDIO_DATA_DIR": str(data_dir), "DASHSCOPE_API_KEY": "sk-bench-store",
                                "DASHSCOPE_BASE_URL": emu.url, **media}))
    times = []
    for job in jobs:
        start = time.perf_counter()
        if other.media_path(job.output_path) is None:
            raise SystemExit(f"the other machine could not fetch {job.output_path}")
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=5, help="measured jobs per studio")
    args = ap.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    root = Path(tempfile.mkdtemp(prefix="bench-store-"))
    emu = start_emulator(task_seconds=0.5)
    moto, endpoint = start_moto()
    try:
        make_bucket(endpoint, "clips")
        bucket_env = {"STUDIO_MEDIA_URL": "s3://clips/studio", "AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true",
                      "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
        local = make_studio(emu, root / "local", {})
        bucket = make_studio(emu, root / "bucket", bucket_env)
        startup.check_storage(bucket.settings)
        try:
            to_playable(local, 1)   # the emulator encodes the 15 s 1080P clip once, outside every figure
            to_playable(bucket, 2)  # and obstore's connections open
            times = {"data folder": [], "S3 bucket (moto, loopback)": []}
            in_bucket: list = []
            for i in range(args.jobs):
                times["data folder"].append(to_playable(local, 100 + i))
                times["S3 bucket (moto, loopback)"].append(to_playable(bucket, 200 + i, in_bucket))
            elsewhere = first_play_elsewhere(emu, root / "other", bucket_env, in_bucket)
            clip = next((root / "local" / "media").glob("*.mp4"))
            poster = clip.with_suffix(".jpg")
            writes = {"data folder": [], "S3 bucket (moto, loopback)": []}
            for i in range(args.jobs):
                writes["data folder"].append(write_only(local, clip, poster, i))
                writes["S3 bucket (moto, loopback)"].append(write_only(bucket, clip, poster, i))
        finally:
            local.close()
            bucket.close()
    finally:
        stop_emulator(emu)
        moto.terminate()
        moto.wait(10)
    size = clip.stat().st_size / 2**20
    print(f"\nclip: 1920x1080, 15 s, {size:.1f} MB; poster {poster.stat().st_size / 1024:.0f} KB; "
          f"{args.jobs} jobs each, alternating; load now {os.getloadavg()[0]:.1f}")
    print("| store | task finished -> playable (median) | min | max | collect's write alone (median) |")
    print("|---|---|---|---|---|")
    for name in times:
        t, w = times[name], writes[name]
        print(f"| {name} | {statistics.median(t):.2f} s | {min(t):.2f} s | {max(t):.2f} s | "
              f"{statistics.median(w) * 1000:.0f} ms |")
    base, other = times["data folder"], times["S3 bucket (moto, loopback)"]
    print(f"another machine, empty cache: the clip fetched from the bucket, playable in "
          f"{statistics.median(elsewhere) * 1000:.0f} ms (median; min {min(elsewhere) * 1000:.0f}, "
          f"max {max(elsewhere) * 1000:.0f})")
    print(f"bucket / folder: {statistics.median(other) / statistics.median(base):.2f}x to playable, "
          f"+{(statistics.median(other) - statistics.median(base)) * 1000:.0f} ms; write alone "
          f"{statistics.median(writes['S3 bucket (moto, loopback)']) / statistics.median(writes['data folder']):.0f}x")


if __name__ == "__main__":
    main()
