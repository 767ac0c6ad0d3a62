"""What the storyboard's timeline shows of each shot's clip: its frame grid and size, a filmstrip, in and out frames.

The board measures a cut exactly as the stitcher will (each clip's own frame rate and picture end, read once
from the file the stitcher reads, then remembered by the clip's location: a finished clip never changes), so
the length it shows is the length of the exported file. The filmstrip is one small JPEG per clip (evenly
spaced frames side by side, drawn once and kept in data/strips), which the page slices into a strip of any
width; the in and out frames are exact frames, drawn small, kept per clip and frame number (a bounded few).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

from studio.errors import StudioError
from studio.jobs.model import Job
from studio.media import clips
from studio.media.stitch_clip import read_clip
from studio.media.stitch_run import Steps
from studio.media.store import MediaStore

STRIP_HEIGHT = 96        # px of each filmstrip frame (shown at 48 CSS px: sharp on a 2x screen)
STRIP_FRAMES_PER_SECOND = 2
STRIP_MAX_FRAMES = 40
FRAME_HEIGHT = 180       # px of an in or out frame
FRAMES_KEPT_PER_CLIP = 16
REMEMBERED = 4096        # clips whose facts are kept in memory


@dataclass(frozen=True)
class Facts:
    """A clip as the stitcher sees it: its frame rate, where its picture ends, its displayed size."""

    fps: float
    video_end: float
    width: int
    height: int

    def frame(self, seconds: float) -> int:
        return round(seconds * self.fps)


class StoryClips:
    def __init__(self, data_dir: Path, media: MediaStore):
        self.folder = Path(data_dir) / "strips"
        self.media = media
        self._facts: dict[str, Facts] = {}
        self._lock = threading.Lock()

    def facts(self, job: Job) -> Facts:
        """The clip's frame grid and size; from the ledger's length at a millisecond grid when it cannot be read."""
        key = job.output_path or ""
        with self._lock:
            known = self._facts.get(key)
        if known:
            return known
        try:
            with self.media.local(key) as video:
                c = read_clip(video)
            facts = Facts(float(c.fps), c.video_end, c.width, c.height)
        except (StudioError, OSError, ValueError):
            return Facts(1000.0, job.seconds or 0.0, job.width or 0, job.height or 0)
        with self._lock:
            if len(self._facts) >= REMEMBERED:
                self._facts.pop(next(iter(self._facts)))
            self._facts[key] = facts
        return facts

    def filmstrip(self, job: Job) -> tuple[Path, int] | None:
        """The clip's filmstrip (frames side by side, evenly over its length) and its count of frames."""
        facts = self.facts(job)
        count = max(2, min(STRIP_MAX_FRAMES, math.ceil(facts.video_end * STRIP_FRAMES_PER_SECOND)))
        dest = self.folder / f"{job.id}-{count}.jpg"
        if dest.is_file():
            return dest, count
        try:
            with self.media.local(job.output_path or "") as video, clips.atomic_path(dest) as part:
                Steps().run(["-i", str(video), "-an", "-vf",
                             f"fps={count}/{max(facts.video_end, 0.1):.6f},scale=-2:{STRIP_HEIGHT},"
                             f"tile={count}x1", "-frames:v", "1", "-q:v", "6", "-f", "image2", str(part)],
                            timeout=120)
        except (StudioError, OSError):
            return None
        return dest, count

    def frame(self, job: Job, number: int) -> Path | None:
        """Frame `number` of the clip (0 is the first), small, for the in and out posters."""
        facts = self.facts(job)
        last = max(0, math.ceil(facts.video_end * facts.fps) - 1)
        number = min(max(0, int(number)), last)
        dest = self.folder / f"{job.id}-f{number}.jpg"
        if dest.is_file():
            return dest
        try:
            with self.media.local(job.output_path or "") as video:
                picture = clips.frame_at(video, (number + 0.5) / facts.fps)
            picture = picture.resize((max(2, round(picture.width * FRAME_HEIGHT / picture.height)), FRAME_HEIGHT))
            with clips.atomic_path(dest) as part:
                picture.convert("RGB").save(part, format="JPEG", quality=82)
        except (StudioError, OSError, ValueError):
            return None
        self._prune(job.id)
        return dest

    def _prune(self, job_id: str) -> None:
        """Keep a clip's few most recent in and out frames: each nudge draws one."""
        def age(p: Path) -> int:
            try:
                return p.stat().st_mtime_ns
            except OSError:
                return 0
        for old in sorted(self.folder.glob(f"{job_id}-f*.jpg"), key=age, reverse=True)[FRAMES_KEPT_PER_CLIP:]:
            old.unlink(missing_ok=True)
