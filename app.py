"""Start HappyHorse Studio: python app.py (serves on 127.0.0.1:7860 unless GRADIO_SERVER_PORT says otherwise)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from studio import config

    try:
        settings = config.load()
    except ValueError as e:
        sys.exit(f"error: {e}")

    from studio.service import Studio
    from studio.ui.app import build, launch_options

    studio = Studio(settings).start()
    print(f"HappyHorse Studio: data in {settings.data_dir}", flush=True)
    print(f"Backend: {studio.backend_label()}", flush=True)
    demo = build(studio)
    try:
        demo.queue(default_concurrency_limit=8).launch(
            server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"), **launch_options(studio))
    finally:
        studio.close()


if __name__ == "__main__":
    main()
