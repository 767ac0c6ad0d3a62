"""The studio, put together: the ledger, the runner, the core and its sections, built once per process.

The UI, the CLI and the API call the section they mean (`studio.chain.grab_frame(caller, ...)`,
`studio.core.submit(caller, prepared)`); nothing here forwards to them. What stays here belongs to the
whole studio: starting and stopping it, the provider's call back, and which backend it runs on.
"""

from __future__ import annotations

import hmac

from studio import backends, config
from studio.errors import NotFound
from studio.inputs import InputStore
from studio.jobs.ledger import Ledger
from studio.jobs.model import Job, is_loopback
from studio.jobs.runner import Runner
from studio.media.store import open_media
from studio.reference_sets import ReferenceSets
from studio.service.advice import Advice
from studio.service.billing import Billing
from studio.service.chain import Chain
from studio.service.compare import Compare
from studio.service.core import Core
from studio.service.gallery import Gallery
from studio.service.references import References


class Studio:
    def __init__(self, settings: config.Settings, *, time_scale: float = 1.0):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.ledger = Ledger(settings.ledger_location)
        self._woken: set[str] = set()  # jobs a webhook has already woken in this process
        self.media = open_media(settings)  # where collected clips are kept: the data folder, or a bucket
        self.runner = Runner(self.ledger, lambda name, key=None: backends.make_backend(name, settings, key),
                             self.media, time_scale=time_scale, webhook_url=self._webhook_url,
                             max_in_flight=settings.max_in_flight,
                             requests_per_minute=settings.requests_per_minute)
        self.core = Core(settings, self.ledger, self.runner, InputStore(settings.data_dir / "inputs",
                                                                                   self.media))
        self.runner.inputs_here = self.core.inputs.held  # a job queued by a replica that died, on its inputs
        self.chain = Chain(self.core, self.ledger)
        self.billing = Billing(self.core, self.ledger)
        self.compare = Compare(self.core, self.ledger)
        self.gallery = Gallery(self.core, self.ledger)
        self.advice = Advice(settings.backend)
        self.references = References(self.core, ReferenceSets(settings.data_dir / "reference_sets"), self.ledger,
                                     settings.storage_user_mb)

    def start(self, resume: bool = True) -> "Studio":
        self.runner.start(resume=resume)
        return self

    def close(self) -> None:
        self.runner.close()

    def media_path(self, location: str | None) -> str | None:
        """A local path for a kept file's location, to hand on at once (Gradio's cache, a player): the data
        folder's own file, or a bucket's copy in the bounded local cache. None when it is not there. Only
        for locations read from the caller's own jobs: this checks no owner."""
        path = self.media.fetch(location)
        return str(path) if path else None

    def is_test_backend(self, name: str | None = None) -> bool:
        """True when jobs on this backend cost no money: preview, or a provider address on this machine."""
        name = name or self.settings.backend
        return name == "preview" or is_loopback(self.settings.provider_url(name))

    def backend_label(self, name: str | None = None) -> str:
        return backends.describe(name or self.settings.backend, self.settings)

    def webhook(self, job_id: str, secret: str) -> str:
        """A provider says a task ended: 'accepted' (the runner checks now), 'ignored' or 'refused'."""
        try:
            job = self.ledger.get(job_id)
        except NotFound:
            return "refused"
        if not job.webhook_secret or not hmac.compare_digest(job.webhook_secret.encode(), secret.encode()):
            return "refused"
        if not job.phase.at_provider or job_id in self._woken:
            return "ignored"  # a task ends once: a replay changes nothing and costs no provider call
        self._woken.add(job_id)
        self.runner.wake(job_id)
        return "accepted"

    def _webhook_url(self, job: Job) -> str | None:
        if job.backend != "inferencesh" or not self.settings.public_url or not job.webhook_secret:
            return None
        return f"{self.settings.public_url}/studio/webhook/{job.id}?secret={job.webhook_secret}"
