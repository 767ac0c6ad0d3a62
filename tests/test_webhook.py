"""inference.sh calls the studio back when a task ends; forged and repeated calls change nothing."""


import httpx
from gradio_client import Client

from harness.app import free_port, start_app, stop_app
from studio.jobs.ledger import Ledger
from studio.jobs.model import JobState
from tests.conftest import wait_until


def test_webhook_with_a_per_job_secret(emulator, tmp_path):
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    env = {"STUDIO_BACKEND": "inferencesh", "INFERENCE_API_KEY": "inf_test", "INFERENCE_BASE_URL": emulator.url,
           "STUDIO_PUBLIC_URL": public}
    app = start_app(tmp_path / "data", env, port=port)
    try:
        _, record = Client(app.url, verbose=False).predict("a horse", "720P", "16:9", 3, False, "",
                                                          api_name="/text_to_video")
        assert record["state"] == "succeeded"
        job = Ledger(tmp_path / "data" / "ledger.sqlite3").get(record["id"])
        sent = emulator.control.tasks()[job.task_id]["request"]["body"]["webhook"]
        assert sent.startswith(f"{public}/studio/webhook/{job.id}?secret=") and job.webhook_secret in sent
        wait_until(emulator.control.webhooks, 10, "the emulator's call to the webhook")
        delivered = emulator.control.webhooks()[0]
        assert delivered["url"] == sent and delivered["status"] in (200, 202)

        url = f"{public}/studio/webhook/{job.id}"
        assert httpx.post(url, params={"secret": "forged"}, json={"id": job.task_id, "status": 11}).status_code == 403
        assert httpx.post(f"{public}/studio/webhook/nosuchjob", params={"secret": "x"}).status_code == 403
        again = httpx.post(url, params={"secret": job.webhook_secret}, json={"id": job.task_id, "status": 11})
        assert again.status_code == 200 and again.json() == {"result": "ignored"}
        after = Ledger(tmp_path / "data" / "ledger.sqlite3").get(job.id)
        assert after.state is JobState.SUCCEEDED and after.output_path == job.output_path
        assert "secret" not in str(record) and job.webhook_secret not in app.log()
    finally:
        stop_app(app)
