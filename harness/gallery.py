"""Fill a studio's ledger with many finished jobs of every kind and state (browser tests and bench/).

Clips are real MP4s with posters, in three shapes; many jobs share a file,
as the gallery only reads them. Jobs are written finished, so the runner of
a studio started on this data never drives them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from harness.media import make_video
from studio import pricing, variants
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job, JobState
from studio.media.clips import make_poster

SHAPES = [("16:9", 640, 360), ("9:16", 360, 640), ("1:1", 480, 480)]
PROMPTS = ["A chestnut horse gallops through the surf at sunset, tracking shot",
           "Neon rain on a Tokyo alley at night, slow dolly forward, reflections on wet asphalt",
           "A paper boat drifts down a gutter stream, macro lens, shallow depth of field",
           "Morning fog lifts over a mountain lake, aerial orbit, golden light",
           "A potter's hands shape wet clay on a wheel, close-up, warm studio light"]


def make_clips(folder: Path) -> dict[str, tuple[Path, Path, int, int]]:
    folder.mkdir(parents=True, exist_ok=True)
    clips = {}
    for ratio, w, h in SHAPES:
        video = make_video(folder / f"seed-{w}x{h}.mp4", w, h, seconds=3)
        clips[ratio] = (video, make_poster(video, folder / f"seed-{w}x{h}.jpg"), w, h)
    return clips


def seed_jobs(data_dir: Path, count: int, owner: str = "local", states: bool = True) -> list[str]:
    """Add `count` finished jobs, newest last; every 7th failed, 11th cancelled, 13th unsure (when states)."""
    media = data_dir / "media"
    clips = make_clips(media)
    ledger = Ledger(data_dir / "ledger.sqlite3")
    start = time.time() - count * 60
    ids = []
    for i in range(count):
        ratio, _, _ = SHAPES[i % len(SHAPES)]
        video, poster, w, h = clips[ratio]
        request = variants.build("t2v", prompt=f"{PROMPTS[i % len(PROMPTS)]} (take {i})", ratio=ratio,
                                 duration=3 + i % 5, resolution="720P" if i % 4 else "1080P")
        quote = pricing.quote(request)
        job = Job(id=f"{i:016x}", owner=owner, request=request, backend="preview", quote_usd=quote.total,
                  quote=quote.to_dict(), seed=i, created_at=start + i * 60)
        state = JobState.SUCCEEDED
        if states and i % 13 == 5:
            state = JobState.UNSURE
        elif states and i % 11 == 4:
            state = JobState.CANCELLED
        elif states and i % 7 == 3:
            state = JobState.FAILED
        job.state = state
        if state is JobState.SUCCEEDED:
            own = media / f"{job.id}.mp4"
            own_poster = media / f"{job.id}.jpg"
            if i >= count - 30:  # the newest have files of their own (delete removes them)
                shutil.copyfile(video, own)
                shutil.copyfile(poster, own_poster)
            job.output_path = str(own if own.exists() else video)
            job.poster_path = str(own_poster if own_poster.exists() else poster)
            job.width, job.height, job.seconds, job.progress = w, h, 3.0, 1.0
        else:
            job.backend = "dashscope"  # what fails, is cancelled or left unsure is a paid provider's task
            job.error_code = {JobState.FAILED: "DataInspectionFailed", JobState.CANCELLED: "cancelled",
                              JobState.UNSURE: "unsure"}[state]
            job.error_message = {JobState.FAILED: "The provider's content check refused the prompt.",
                                 JobState.CANCELLED: "Cancelled at the provider before it started: not billed.",
                                 JobState.UNSURE: "The request went out to dashscope but no answer came back. It may "
                                                  "have started a billed task."}[state]
        ledger.add(job)
        ids.append(job.id)
    ids.append(_edit_job(ledger, data_dir, clips["16:9"], owner, start + count * 60))
    return ids


def _edit_job(ledger: Ledger, data_dir: Path, clip, owner: str, at: float) -> str:
    """A finished video edit whose source is kept among the inputs: its detail offers before/after."""
    video, poster, w, h = clip
    source = data_dir / "inputs" / "seed-source.mp4"
    source.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(video, source)
    request = variants.Request(variants.Variant.EDIT, prompt="Make the light warmer, golden hour",
                               resolution="720P", video=str(source))
    quote = pricing.quote(request, 3.0)
    job = Job(id="e" * 16, owner=owner, request=request, backend="preview", state=JobState.SUCCEEDED,
              quote_usd=quote.total, quote=quote.to_dict(), seed=1, output_path=str(video), poster_path=str(poster),
              width=w, height=h, seconds=3.0, progress=1.0, created_at=at)
    ledger.add(job)
    return job.id
