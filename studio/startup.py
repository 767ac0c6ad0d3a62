"""Before serving: refuse, in one line naming the variable to change, a setting that cannot work.

Reading the settings (studio.config) touches nothing; these checks reach out: the backend's key, the model
catalogue, the port, the disk under a SQLite ledger, the media store (a bucket is tried within seconds).
app.py runs check_serving; the command line runs check_storage for its ledger.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from studio import models
from studio.config import KEY_VARIABLES, Settings


def check_storage(settings: Settings, *, reach_media: bool = True, mountinfo: Path | None = None) -> None:
    """Refuse a SQLite ledger on a network or FUSE mount, and (reach_media) a media store that cannot be
    written (a bucket is tried within seconds); the message names the variable to change."""
    if settings.database_url is None:
        from studio.jobs.filesystem import MOUNTINFO, check_ledger_disk

        check_ledger_disk(settings.ledger_path, mountinfo or MOUNTINFO)
    if reach_media:
        from studio.media.store import open_media

        open_media(settings).check()


def check_serving(settings: Settings) -> None:
    """Refuse, before serving, a configuration that cannot work; the message names the variable to change."""
    key = KEY_VARIABLES.get(settings.backend)
    if key and settings.backend not in settings.available_backends():
        raise ValueError(f"STUDIO_BACKEND={settings.backend} needs {key} in the environment: set it, "
                         f"or use STUDIO_BACKEND=preview to try the studio for free.")
    models.catalogue()  # an unusable model catalogue is refused here, naming its key (CatalogueError)
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: only a listener blocks
        try:
            s.bind((settings.host, settings.port))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ValueError(f"Port {settings.port} on {settings.host} is already in use (is the studio "
                                 f"running already?): stop that, or set GRADIO_SERVER_PORT to a free port.") from None
            raise ValueError(f"Cannot serve on {settings.host}:{settings.port} ({e.strerror}): "
                             f"check GRADIO_SERVER_NAME and GRADIO_SERVER_PORT.") from None
    check_storage(settings)
