"""Start HappyHorse Studio: python app.py (serves on 127.0.0.1:7860 unless GRADIO_SERVER_PORT says otherwise)."""

from __future__ import annotations

import sys


def main() -> None:
    from studio import config

    try:
        settings = config.load()
        config.check_serving(settings)
    except ValueError as e:
        sys.exit(f"error: {e}")

    import uvicorn

    from studio.secrets import redact_logs
    from studio.service import Studio
    from studio.web import create_app

    studio = Studio(settings).start()
    print(f"HappyHorse Studio: data in {settings.data_dir}", flush=True)
    if settings.media.url:
        print(f"Clips and posters kept in {settings.media.url}", flush=True)
    print(f"Backend: {studio.backend_label()}", flush=True)
    app = create_app(studio)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning"))
    redact_logs([settings.dashscope_key, settings.inference_key,  # uvicorn's handlers exist now
                 settings.media.access.secret_access_key])
    print(f"Open http://{settings.host}:{settings.port}/ (Ctrl+C stops the studio)", flush=True)
    try:
        server.run()
    finally:
        studio.close()


if __name__ == "__main__":
    main()
