"""Start HappyHorse Studio: python app.py (serves on 127.0.0.1:7860 unless GRADIO_SERVER_PORT says otherwise)."""

from __future__ import annotations

import sys


SETTING_REFUSED = 2  # the exit code of a setting that cannot work, as the CLI's for invalid input


def refuse(message: str) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return SETTING_REFUSED


def main() -> None:
    from studio.gradio_import import skip_stub_writing

    skip_stub_writing()  # first, before anything imports Gradio: about 2 s of every start
    from studio import config, startup
    from studio.errors import SettingError

    try:
        settings = config.load()
        startup.check_serving(settings)
    except ValueError as e:
        sys.exit(refuse(str(e)))

    from studio.service import Studio
    from studio.serving import serve
    from studio.web import create_app

    try:
        studio = Studio(settings)
    except SettingError as e:
        sys.exit(refuse(str(e)))
    studio.start()
    print(f"HappyHorse Studio: data in {settings.data_dir}", flush=True)
    print(f"Ledger: {studio.ledger.store}", flush=True)
    if settings.media.url:
        print(f"Clips and posters kept in {settings.media.url}", flush=True)
    print(f"Backend: {studio.backend_label()}", flush=True)
    app = create_app(studio)
    print(f"Open http://{settings.host}:{settings.port}/ (Ctrl+C stops the studio)", flush=True)
    try:
        closed = serve(app, settings.host, settings.port,
                       [settings.dashscope_key, settings.inference_key, settings.media.access.secret_access_key])
    finally:
        print(stopping_words(len(studio.ledger.unfinished())), flush=True)
        studio.close()
    if closed:
        print(f"({closed} open connection{'s' if closed != 1 else ''} closed.)", flush=True)


def stopping_words(unfinished: int) -> str:
    if not unfinished:
        return "Stopped."
    jobs = "1 unfinished job" if unfinished == 1 else f"{unfinished} unfinished jobs"
    return (f"Stopped. {jobs} stay with the provider and in the ledger: the next start follows them again "
            "(nothing is sent twice).")


if __name__ == "__main__":
    main()
