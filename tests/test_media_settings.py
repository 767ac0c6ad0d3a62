"""STUDIO_MEDIA_URL and the AWS_* variables: a bad setting is refused at start in one line naming the
variable; a bucket that is missing, unreachable or silent is found out within seconds by a test
write to a real S3 server (moto on loopback); a secret is never echoed."""

import os
import socket
import subprocess
import sys
import time

import pytest

from harness.app import ROOT, free_port
from studio import config, startup
from studio.media.store import FolderStore, open_media
from tests.s3_fixture import SECRET
from tests.conftest import wait_until


def load(tmp_path, **env):
    return config.load({"STUDIO_DATA_DIR": str(tmp_path / "data"), **env})


def test_unset_keeps_media_in_the_data_folder_as_before(tmp_path):
    settings = load(tmp_path)
    store = open_media(settings)
    assert settings.media.url is None and isinstance(store, FolderStore)
    assert store.location("media/ab.mp4") == str(tmp_path / "data" / "media" / "ab.mp4")


def test_the_setting_is_read_in_one_spelling(tmp_path):
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9000/", "AWS_ALLOW_HTTP": "true", "AWS_REGION": "auto",
           "AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": SECRET}
    media = load(tmp_path, STUDIO_MEDIA_URL="s3://clips-ok//studio/a/", **env).media
    assert media.url == "s3://clips-ok/studio/a" and media.in_bucket
    assert media.access.endpoint == "http://127.0.0.1:9000" and media.access.region == "auto"
    assert SECRET not in repr(media) and SECRET not in repr(load(tmp_path, STUDIO_MEDIA_URL="s3://clips-ok", **env))
    folder = load(tmp_path, STUDIO_MEDIA_URL=str(tmp_path / "elsewhere")).media
    assert folder.url == str(tmp_path / "elsewhere") and not folder.in_bucket
    assert load(tmp_path, STUDIO_MEDIA_URL=f"file://{tmp_path}/x").media.url == str(tmp_path / "x")
    assert load(tmp_path, STUDIO_MEDIA_CACHE_MB="512").media.cache_bytes == 512 * 2**20


@pytest.mark.parametrize("env, variable", [
    ({"STUDIO_MEDIA_URL": "ftp://clips/x"}, "STUDIO_MEDIA_URL"),
    ({"STUDIO_MEDIA_URL": "s3://Not_A_Bucket!"}, "STUDIO_MEDIA_URL"),
    ({"STUDIO_MEDIA_URL": "s3://id:key@clips/x"}, "STUDIO_MEDIA_URL"),
    ({"STUDIO_MEDIA_URL": "s3://clips/../x"}, "STUDIO_MEDIA_URL"),
    ({"STUDIO_MEDIA_URL": "s3://clips", "AWS_ENDPOINT_URL": "127.0.0.1:9000"}, "AWS_ENDPOINT_URL"),
    ({"STUDIO_MEDIA_URL": "s3://clips", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000"}, "AWS_ALLOW_HTTP"),
    ({"STUDIO_MEDIA_URL": "s3://clips", "AWS_ALLOW_HTTP": "maybe"}, "AWS_ALLOW_HTTP"),
    ({"STUDIO_MEDIA_URL": "s3://clips", "AWS_REGION": "Mars 1"}, "AWS_REGION"),
    ({"STUDIO_MEDIA_URL": "s3://clips", "AWS_ACCESS_KEY_ID": "id"}, "AWS_SECRET_ACCESS_KEY"),
    ({"STUDIO_MEDIA_URL": "s3://clips", "AWS_SECRET_ACCESS_KEY": SECRET}, "AWS_ACCESS_KEY_ID"),
    ({"STUDIO_MEDIA_CACHE_MB": "lots"}, "STUDIO_MEDIA_CACHE_MB"),
])
def test_a_bad_setting_is_refused_in_one_line_naming_the_variable(tmp_path, env, variable):
    with pytest.raises(ValueError) as refused:
        load(tmp_path, **env)
    words = str(refused.value)
    assert variable in words and "\n" not in words and SECRET not in words


def test_the_aws_variables_mean_nothing_without_a_bucket(tmp_path):
    """Another tool's AWS_* settings in the environment do not stop a studio that keeps media in a folder."""
    settings = load(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:9000", AWS_ACCESS_KEY_ID="id")
    assert settings.media.url is None


def test_a_reachable_writable_bucket_passes_the_start_check(bucket, tmp_path):
    settings = load(tmp_path, STUDIO_MEDIA_URL=f"s3://{bucket.name}/studio", **bucket.env())
    startup.check_storage(settings)
    assert bucket.objects() == {}  # the test write is gone again


def test_a_missing_bucket_is_refused_naming_studio_media_url(s3_server, tmp_path):
    settings = load(tmp_path, STUDIO_MEDIA_URL="s3://no-such-bucket/x", **_env(s3_server.endpoint))
    with pytest.raises(ValueError) as refused:
        startup.check_storage(settings)
    words = str(refused.value)
    assert words.startswith("STUDIO_MEDIA_URL=s3://no-such-bucket/x:") and "no bucket no-such-bucket" in words
    assert "\n" not in words and SECRET not in words


def test_a_server_that_is_not_there_is_refused_naming_the_endpoint_within_seconds(tmp_path):
    port = free_port()  # nothing listens here
    settings = load(tmp_path, STUDIO_MEDIA_URL="s3://clips", **_env(f"http://127.0.0.1:{port}"))
    start = time.monotonic()
    with pytest.raises(ValueError) as refused:
        startup.check_storage(settings)
    assert time.monotonic() - start < 15
    words = str(refused.value)
    assert words.startswith(f"AWS_ENDPOINT_URL=http://127.0.0.1:{port}:") and "could not connect" in words
    assert "\n" not in words and SECRET not in words


def test_a_server_that_never_answers_is_refused_within_seconds(tmp_path):
    with socket.socket() as silent:  # accepts connections, says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = load(tmp_path, STUDIO_MEDIA_URL="s3://clips",
                        **_env(f"http://127.0.0.1:{silent.getsockname()[1]}"))
        start = time.monotonic()
        with pytest.raises(ValueError, match="AWS_ENDPOINT_URL=.*timed out"):
            startup.check_storage(settings)
        assert time.monotonic() - start < 30  # 10 s per try, one retry


def test_credentials_the_server_refuses_are_named(tmp_path):
    """moto's own server process with its access checks on: an unknown key is refused with 403."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port)
        settings = load(tmp_path, STUDIO_MEDIA_URL="s3://clips", **_env(f"http://127.0.0.1:{port}"))
        with pytest.raises(ValueError) as refused:
            startup.check_storage(settings)
    finally:
        server.terminate()
        server.wait(timeout=30)
    words = str(refused.value)
    assert "refused a test write (HTTP 403)" in words and "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in words
    assert SECRET not in words and "studio-test-key" not in words and "\n" not in words


def test_the_studio_does_not_start_on_a_bucket_it_cannot_use(s3_server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STUDIO_", "DASHSCOPE", "INFERENCE"))}
    env.update(STUDIO_DATA_DIR=str(tmp_path / "data"), GRADIO_SERVER_PORT=str(free_port()),
               STUDIO_MEDIA_URL="s3://not-made-yet", **_env(s3_server.endpoint))
    proc = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=90, env=env)
    assert proc.returncode != 0 and "Open http" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: STUDIO_MEDIA_URL=s3://not-made-yet:"), proc.stderr[-2000:]
    assert SECRET not in proc.stderr + proc.stdout


def _wait_listening(port: int) -> None:
    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_until(listening, 60, f"moto's server listening on {port}", interval=0.1)


def _env(endpoint: str) -> dict:
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "studio-test-key", "AWS_SECRET_ACCESS_KEY": SECRET}
