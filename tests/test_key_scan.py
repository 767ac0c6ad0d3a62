"""Run every flow against a live backend with a distinctive key, then look for the key everywhere.

The key must appear in no file under the data directory or Gradio's cache (the
ledger, clips, posters, inputs and their metadata), not in the server's log,
not in any page, config, API description or JSON the server serves, and not
in any message a user was shown, failures included: the emulator is made to
echo the key back in a failed task's message and in an error answer.
"""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client, handle_file

from harness.app import start_app, stop_app
from harness.emulator import start_emulator, stop_emulator
from harness.media import make_image, make_video

KEY = "sk-DISTINCTIVE-7f3a9c41e2"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    emulator = start_emulator(task_seconds=0.2)
    root = tmp_path_factory.mktemp("keyscan")
    app = start_app(root / "data", {"DASHSCOPE_API_KEY": KEY, "DASHSCOPE_BASE_URL": emulator.url,
                                    "STUDIO_REQUESTS_PER_MINUTE": "0", "STUDIO_MULTI_USER": "1",
                                    "GRADIO_TEMP_DIR": str(root / "gradio")})
    app.cache, app.emulator = root / "gradio", emulator
    yield app
    stop_app(app)
    stop_emulator(emulator)


def test_the_key_is_nowhere_after_every_flow(live, tmp_path):
    client = Client(live.url, verbose=False)
    shown: list[str] = []
    frame = make_image(tmp_path / "frame.jpg", 800, 600, fmt="JPEG")
    refs = [handle_file(str(make_image(tmp_path / f"r{i}.png", 720, 720))) for i in range(2)]
    src = make_video(tmp_path / "src.mp4", 640, 360, seconds=3)
    results = [
        client.predict("a horse at dawn, tracking shot", "720P", "16:9", 3, False, "", api_name="/text_to_video"),
        client.predict(handle_file(str(frame)), "pull back", "720P", 3, False, "", api_name="/image_to_video"),
        client.predict("[Image 1] waves", *refs, *([None] * 7), "720P", "1:1", 3, False, "",
                       api_name="/reference_to_video"),
        client.predict(handle_file(str(src)), "warmer", *([None] * 5), "remove", "720P", False, "",
                       api_name="/video_edit"),
    ]
    shown += [str(r) for r in results]
    faults = [dict(on="create", protocol="dashscope", kind="fail_task", code="InvalidParameter",
                   message=f"Authorization: Bearer {KEY} refused"),
              dict(on="create", protocol="dashscope", kind="http", status=400, code="InvalidParameter",
                   message=f"bad key {KEY}", times=1),
              dict(on="create", protocol="dashscope", kind="http", status=401, code="InvalidApiKey",
                   message=f"Invalid API-key provided: {KEY}", times=1)]
    for n, fault in enumerate(faults):
        live.emulator.control.add_fault(**fault)
        with pytest.raises(Exception) as failed:
            client.predict(f"a pony number {n}", "720P", "16:9", 3, False, "", api_name="/text_to_video")
        shown.append(str(failed.value))
    assert any("refused" in s or "InvalidParameter" in s or "key" in s.lower() for s in shown[4:])

    served = [httpx.get(live.url + path) for path in
              ("", "config", "gradio_api/info", "gradio_api/openapi.json", "gradio_api/runs", "studio/health",
               "gradio_api/info?all_endpoints=true")]
    for text in shown + [r.text for r in served]:
        assert KEY not in text and KEY[3:] not in text
    files = [p for root in (live.data_dir, live.cache) for p in root.rglob("*") if p.is_file()]
    assert len(files) > 10  # clips, posters, inputs and the ledger were all written
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in live.log()
