"""Settings, read once from the environment.

Environment variables (names are contracts; keep them stable):
  STUDIO_DATA_DIR         where the ledger and media live (default: a per-user data folder); replicas share it
  STUDIO_DATABASE_URL     postgresql://user:password@host/db: keep the ledger in PostgreSQL, shared by many
                          replicas (default: a SQLite file in STUDIO_DATA_DIR; the URL is a secret)
  STUDIO_BACKEND          preview | dashscope | inferencesh (default: first with a key, else preview)
  DASHSCOPE_API_KEY       DashScope key (a secret: never stored or shown); a key works only in its own region
  DASHSCOPE_REGION        singapore | beijing | virginia | hongkong | frankfurt (default singapore), or the
                          region's code (ap-southeast-1, cn-beijing, us-east-1, cn-hongkong, eu-central-1)
  DASHSCOPE_WORKSPACE_ID  your Model Studio workspace id: jobs go to the workspace host
                          https://{WorkspaceId}.{region code}.maas.aliyuncs.com (higher limits; Frankfurt has
                          only workspace hosts, so it needs this or DASHSCOPE_BASE_URL)
  DASHSCOPE_BASE_URL      DashScope base URL, e.g. https://dashscope-intl.aliyuncs.com (wins over the two above)
  DASHSCOPE_HTTP_BASE_URL the official SDK's override (includes /api/v1); accepted too
  INFERENCE_API_KEY       inference.sh key (a secret)
  INFERENCE_BASE_URL      inference.sh base URL (default https://api.inference.sh)
  STUDIO_PUBLIC_URL       public address of this studio (webhooks); on a Space it follows from SPACE_HOST
  STUDIO_JOB_DEADLINE     seconds a job may take before the studio stops waiting (default 1800; longer for
                          a model and shape that usually take longer: see studio.jobs.timing.deadline_seconds)
  STUDIO_MAX_IN_FLIGHT    tasks one backend may run at once (default: the backend's own; match your account)
  STUDIO_REQUESTS_PER_MINUTE  calls to one backend per minute, shared by all jobs (default: the backend's own)
  STUDIO_MULTI_USER       1 to serve many users (signed in, or an anonymous browser identity), each seeing only their own jobs
  STUDIO_BUDGET_DAY       USD the whole studio may spend per UTC day (default: none; $20 on a Space)
  STUDIO_BUDGET_USER_DAY  USD one user may spend per UTC day (default: none; $5 on a Space)
  STUDIO_MAX_RUNNING_PER_USER  jobs one user may run at once (default: none; 2 on a Space)
  STUDIO_SECRET           signs anonymous identities (replicas must share it)
                          (default: the Space's OAUTH_CLIENT_SECRET, else a random one kept in the data folder)
  STUDIO_CONFIRM_ABOVE    USD above which the page asks before sending a job to a live backend (default 1.00)
  STUDIO_FRAME_ANCESTORS  origins that may show the studio inside a frame, e.g. https://example.com (default:
                          none but the studio itself; on a Space, its page on https://huggingface.co too)
  STUDIO_STORAGE_USER_MB  MB of reference-set pictures one user may keep on the studio's disk (default 200)
  FORWARDED_ALLOW_IPS     proxies whose X-Forwarded-For counts (read by uvicorn; see studio.edge)
  STUDIO_MEDIA_URL        where clips, posters and other kept files live: s3://bucket/prefix, gs://bucket/prefix
                          or a folder (default: the data folder); AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
                          AWS_SECRET_ACCESS_KEY (a secret), AWS_REGION, AWS_ALLOW_HTTP reach the bucket;
                          STUDIO_MEDIA_CACHE_MB bounds its local copy (studio.media.store.settings)
  GRADIO_SERVER_NAME      address to serve on (default 127.0.0.1; a Space sets 0.0.0.0)
  GRADIO_SERVER_PORT      port for python app.py (default 7860)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from studio.budgets import Budgets
from studio.errors import InputError
from studio.framing import frame_ancestors
from studio.media.store.settings import MediaSettings
from studio.media.store.settings import from_env as media_from_env

DASHSCOPE_REGIONS = {  # each region's shared DashScope host (Frankfurt has none: only workspace hosts)
    "singapore": "https://dashscope-intl.aliyuncs.com",
    "beijing": "https://dashscope.aliyuncs.com",
    "virginia": "https://dashscope-us.aliyuncs.com",
    "hongkong": "https://cn-hongkong.dashscope.aliyuncs.com",
}
# Region codes in workspace hosts ({WorkspaceId}.{code}.maas.aliyuncs.com). PROTOCOLS.md confirms
# ap-southeast-1 (Singapore, also Alibaba's Wan API reference), eu-central-1 (Frankfurt) and cn-hongkong
# (Hong Kong's DashScope host); cn-beijing and us-east-1 are Alibaba Cloud's usual ids for Beijing and
# Virginia, not confirmed for Model Studio workspace hosts.
REGION_CODES = {"singapore": "ap-southeast-1", "beijing": "cn-beijing", "virginia": "us-east-1",
                "hongkong": "cn-hongkong", "frankfurt": "eu-central-1"}
WORKSPACE_HOST = "https://{workspace}.{code}.maas.aliyuncs.com"
_WORKSPACE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")  # one DNS label
INFERENCE_DEFAULT_URL = "https://api.inference.sh"
BACKENDS = ("preview", "dashscope", "inferencesh")
# Caps a public Space gets unless its owner sets them (a stranger's clicks spend the owner's key).
SPACE_USER_DAY, SPACE_STUDIO_DAY, SPACE_RUNNING = 5.0, 20.0, 2


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    backend: str = "preview"
    dashscope_key: str | None = field(default=None, repr=False)
    dashscope_url: str = DASHSCOPE_REGIONS["singapore"]
    dashscope_region: str = "singapore"
    dashscope_workspace: str | None = None  # DASHSCOPE_WORKSPACE_ID: jobs go to its workspace host
    inference_key: str | None = field(default=None, repr=False)
    inference_url: str = INFERENCE_DEFAULT_URL
    public_url: str | None = None
    job_deadline: float = 1800.0
    multi_user: bool = False
    on_space: bool = False  # running as a Hugging Face Space (sign-in with Hugging Face)
    max_in_flight: int | None = None
    requests_per_minute: int | None = None
    host: str = "127.0.0.1"
    port: int = 7860
    budgets: Budgets = field(default_factory=Budgets)
    confirm_above: float = 1.0
    persistent: bool = True  # False on a Space with neither STUDIO_DATA_DIR nor PostgreSQL plus a bucket
    browser_secret: str | None = field(default=None, repr=False)  # STUDIO_SECRET (see studio.anonymous)
    database_url: str | None = field(default=None, repr=False)  # PostgreSQL for many replicas (may hold a password)
    frame_ancestors: tuple[str, ...] = ()  # origins that may show the studio in a frame (studio.framing)
    storage_user_mb: float = 200.0  # MB of reference-set pictures one user may keep (studio.service.references)
    media: MediaSettings = field(default_factory=MediaSettings)  # STUDIO_MEDIA_URL: the data folder, or a bucket

    @property
    def ledger_path(self) -> Path:
        return self.data_dir / "ledger.sqlite3"

    @property
    def ledger_location(self) -> Path | str:
        """Where the ledger lives: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url or self.ledger_path

    def available_backends(self) -> list[str]:
        names = ["preview"]
        if self.dashscope_key:
            names.append("dashscope")
        if self.inference_key:
            names.append("inferencesh")
        return names

    def chosen_backend(self, name: str | None) -> str:
        """The backend a job asks for (None: the default), if this studio has its key; InputError if not."""
        name = (name or self.backend).lower()
        available = self.available_backends()
        if name not in available:
            key = KEY_VARIABLES.get(name)
            if key:
                raise InputError(f"The {name} backend needs {key} in the environment; "
                                 f"available now: {', '.join(available)}.")
            raise InputError(f"Unknown backend {name!r}: use one of {', '.join(available)}.")
        return name

    def provider_url(self, backend: str) -> str | None:
        """The provider address jobs on this backend are sent to (None for preview)."""
        return {"dashscope": self.dashscope_url, "inferencesh": self.inference_url}.get(backend)


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("happyhorse-studio", appauthor=False))


def load(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    get = lambda k: (env.get(k) or "").strip() or None  # noqa: E731

    data_dir = Path(get("STUDIO_DATA_DIR") or default_data_dir()).expanduser().resolve()
    region = _region(get("DASHSCOPE_REGION"))
    workspace = _workspace(get("DASHSCOPE_WORKSPACE_ID"))
    ds_url = _dashscope_url(get, region, workspace)
    ds_key, inf_key = get("DASHSCOPE_API_KEY"), get("INFERENCE_API_KEY")

    backend = (get("STUDIO_BACKEND") or "").lower()
    if not backend:
        backend = "dashscope" if ds_key else "inferencesh" if inf_key else "preview"
    if backend not in BACKENDS:
        raise ValueError(f"STUDIO_BACKEND={backend!r} is unknown: use one of {', '.join(BACKENDS)}.")

    public = get("STUDIO_PUBLIC_URL")
    if not public and get("SPACE_HOST"):
        public = f"https://{get('SPACE_HOST')}"
    on_space = bool(get("SPACE_ID"))
    media = media_from_env(get)
    database_url = _database_url(get("STUDIO_DATABASE_URL"))
    return Settings(
        data_dir=data_dir,
        backend=backend,
        dashscope_key=ds_key,
        dashscope_url=ds_url,
        dashscope_region=region,
        dashscope_workspace=workspace,
        inference_key=inf_key,
        inference_url=_url("INFERENCE_BASE_URL", get("INFERENCE_BASE_URL") or INFERENCE_DEFAULT_URL),
        public_url=public.rstrip("/") if public else None,
        job_deadline=_seconds(get, "STUDIO_JOB_DEADLINE", 1800.0),
        on_space=on_space,
        multi_user=on_space or (get("STUDIO_MULTI_USER") or "") in ("1", "true", "yes"),
        max_in_flight=_whole(get, "STUDIO_MAX_IN_FLIGHT"),
        requests_per_minute=_whole(get, "STUDIO_REQUESTS_PER_MINUTE"),
        host=get("GRADIO_SERVER_NAME") or "127.0.0.1",
        port=_port(get("GRADIO_SERVER_PORT")),
        budgets=Budgets(
            user_day=_money(get, "STUDIO_BUDGET_USER_DAY", SPACE_USER_DAY if on_space else None),
            studio_day=_money(get, "STUDIO_BUDGET_DAY", SPACE_STUDIO_DAY if on_space else None),
            running=_count(get, "STUDIO_MAX_RUNNING_PER_USER", SPACE_RUNNING if on_space else None)),
        confirm_above=_money(get, "STUDIO_CONFIRM_ABOVE", 1.0),
        # a Space's own disk is wiped on restart: jobs and clips last with a data folder on persistent
        # storage, or with the ledger in PostgreSQL and the media in a bucket
        persistent=not on_space or bool(get("STUDIO_DATA_DIR")) or bool(database_url and media.in_bucket),
        browser_secret=get("STUDIO_SECRET") or get("OAUTH_CLIENT_SECRET"),
        database_url=database_url,
        frame_ancestors=frame_ancestors(get("STUDIO_FRAME_ANCESTORS"), on_space),
        storage_user_mb=_megabytes(get, "STUDIO_STORAGE_USER_MB", 200.0),
        media=media,
    )


def _region(raw: str | None) -> str:
    """A region's name (singapore, ...) from its name or its code (ap-southeast-1, ...)."""
    value = (raw or "singapore").lower()
    by_code = {code: name for name, code in REGION_CODES.items()}
    if value in REGION_CODES or value in by_code:
        return by_code.get(value, value)
    raise ValueError(f"DASHSCOPE_REGION={raw!r} is unknown: use one of {', '.join(REGION_CODES)} "
                     f"(or their codes {', '.join(REGION_CODES.values())}).")


def _workspace(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not _WORKSPACE_ID.match(raw.lower()):
        raise ValueError(f"DASHSCOPE_WORKSPACE_ID={raw[:80]!r} is not a workspace id (letters, digits and hyphens, "
                         "as on the Workspace Details page of the Model Studio console): copy it from there.")
    return raw.lower()


def _dashscope_url(get, region: str, workspace: str | None) -> str:
    """The DashScope base URL: an explicit one, else the workspace host, else the region's shared host."""
    for name in ("DASHSCOPE_BASE_URL", "DASHSCOPE_HTTP_BASE_URL"):
        if get(name):
            return _url(name, get(name)).removesuffix("/api/v1")
    if workspace:
        return WORKSPACE_HOST.format(workspace=workspace, code=REGION_CODES[region])
    if region not in DASHSCOPE_REGIONS:
        raise ValueError(f"DASHSCOPE_REGION={region} has only workspace hosts: set DASHSCOPE_WORKSPACE_ID (from "
                         "the Model Studio console), or DASHSCOPE_BASE_URL.")
    return DASHSCOPE_REGIONS[region]


def _url(name: str, raw: str) -> str:
    """An http(s) address with a host, without its trailing slash."""
    url = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s?#]+", url):
        raise ValueError(f"{name}={raw[:80]!r} is not an http(s) address: write e.g. https://host.example.")
    return url


def _database_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.startswith(("postgresql://", "postgres://")):  # never echo it: it may hold a password
        raise ValueError("STUDIO_DATABASE_URL must start with postgresql:// (e.g. postgresql://studio@db/studio), "
                         "or be left unset to keep the ledger in a SQLite file.")
    return raw


def _port(raw: str | None) -> int:
    if raw is None:
        return 7860
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"GRADIO_SERVER_PORT={raw!r} is not a port: use a whole number from 1 to 65535 (default 7860).")
    return int(raw)


def _megabytes(get, name: str, default: float) -> float:
    raw = get(name)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        value = -1.0
    if not (value >= 0 and value < 1e7):
        raise ValueError(f"{name}={raw!r} must be a number of megabytes, 0 or more (default {default:g}).")
    return value


def _seconds(get, name: str, default: float) -> float:
    raw = get(name)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        value = -1.0
    if not (value > 0 and value < 1e9):
        raise ValueError(f"{name}={raw!r} must be a number of seconds above 0 (default {default:g}).")
    return value


def _whole(get, name: str) -> int | None:
    raw = get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise ValueError(f"{name}={raw!r} must be a whole number of 0 or more, or left unset.")
    return int(raw)


def _money(get, name: str, default: float | None) -> float | None:
    """A USD amount from the environment; "none" or "off" lifts the cap."""
    raw = get(name)
    if raw is None:
        return default
    if raw.lower() in ("none", "off"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not an amount in USD: write e.g. 5 or 2.50, or none.") from None
    if not (value >= 0 and value < 1e9):
        raise ValueError(f"{name}={raw!r} must be an amount of 0 or more USD.")
    return value


def _count(get, name: str, default: int | None) -> int | None:
    raw = get(name)
    if raw is None:
        return default
    if raw.lower() in ("none", "off"):
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}={raw!r} must be a whole number of 1 or more, or none.")
    return int(raw)
KEY_VARIABLES = {"dashscope": "DASHSCOPE_API_KEY", "inferencesh": "INFERENCE_API_KEY"}
