"""The studio as a public Hugging Face Space: sign-in, isolation, caps for strangers, settings from the Space.

The app is launched with a Space's environment (SPACE_ID, SPACE_HOST, OAuth
variables). Sign-in goes through Gradio's own mocked OAuth (the hub's whoami
answered by tests/fake_hub.py); a second account is a session signed the way
Gradio's session middleware signs it. Jobs run on the DashScope adapter
against the emulator, so they cost (test) money and the caps bite.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from urllib.parse import urljoin

import httpx
import itsdangerous
import pytest
from gradio_client import Client

from harness.app import start_app, stop_app
from harness.emulator import start_emulator, stop_emulator
from studio import config
from studio.jobs.ledger import Ledger
from studio.service import Studio
from tests.fake_hub import start_hub

OAUTH_SECRET = "test-oauth-secret"
T2V = dict(api_name="/text_to_video")


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    hub_url, hub = start_hub()
    emulator = start_emulator(task_seconds=0.2)
    env = {"SPACE_ID": "owner/happyhorse-studio", "SPACE_HOST": "owner-happyhorse-studio.hf.space",
           "OAUTH_CLIENT_ID": "test-client", "OAUTH_CLIENT_SECRET": OAUTH_SECRET, "OAUTH_SCOPES": "openid profile",
           "OPENID_PROVIDER_URL": hub_url, "HF_ENDPOINT": hub_url, "HF_TOKEN": "hf_ann_token",
           "DASHSCOPE_API_KEY": "sk-space-owner-key-4242", "DASHSCOPE_BASE_URL": emulator.url,
           "STUDIO_BUDGET_USER_DAY": "2.00", "STUDIO_BUDGET_DAY": "5.00", "STUDIO_REQUESTS_PER_MINUTE": "0"}
    app = start_app(tmp_path_factory.mktemp("space") / "data", env)
    yield app
    stop_app(app)
    stop_emulator(emulator)
    hub.shutdown()


def session_cookie(session: dict) -> str:
    """A session cookie as Gradio's OAuth session middleware signs it."""
    secret = hashlib.sha256((OAUTH_SECRET + "-v4").encode()).hexdigest()
    data = base64.b64encode(json.dumps(session).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def signed_in(name: str, expires_in: float = 3600) -> str:
    return session_cookie({"oauth_info": {"userinfo": {"preferred_username": name},
                                          "expires_at": int(time.time() + expires_in)}})


def mocked_sign_in(app) -> str:
    """Click "Sign in with Hugging Face" as Gradio mocks it off a Space: the session cookie it sets."""
    with httpx.Client(base_url=app.url, follow_redirects=False) as browser:
        start = browser.get("login/huggingface")
        assert start.status_code in (302, 307), start.text
        done = browser.get(urljoin(app.url, start.headers["location"]))
        return done.cookies["session"]


def client(app, session: str | None = None, **kw) -> Client:
    cookies = {"session": session} if session else {}
    return Client(app.url, verbose=False, httpx_kwargs={"cookies": cookies}, **kw)


def owner_of(app, record) -> str:
    return Ledger(app.data_dir / "ledger.sqlite3").get(record["id"]).owner


def test_the_space_environment_turns_on_what_a_public_studio_needs(space, tmp_path):
    page = httpx.get(space.url + "config").json()
    assert any(c.get("props", {}).get("value") == "Sign in with Hugging Face" for c in page["components"])
    assert "happyhorse_studio_id" in httpx.get(space.url).cookies  # many users: anonymous identity
    settings = config.load({"SPACE_ID": "o/s", "SPACE_HOST": "o-s.hf.space"})
    assert settings.multi_user and settings.on_space and not settings.persistent
    assert settings.public_url == "https://o-s.hf.space"
    studio = Studio(config.load({"SPACE_ID": "o/s", "SPACE_HOST": "o-s.hf.space", "STUDIO_DATA_DIR": str(tmp_path),
                                 "INFERENCE_API_KEY": "inf_x"}))
    from studio.jobs.model import Job
    from studio.variants import build
    job = Job(id="j1", owner="o", request=build("t2v", prompt="x"), backend="inferencesh", webhook_secret="s")
    assert studio._webhook_url(job) == "https://o-s.hf.space/studio/webhook/j1?secret=s"
    assert studio.settings.persistent


def test_two_accounts_each_see_only_their_own_jobs_and_signing_out_leaves_no_access(space):
    ann_session = mocked_sign_in(space)
    _, ann_job = client(space, ann_session).predict("a horse", "720P", "16:9", 3, False, "", **T2V)
    assert owner_of(space, ann_job) == "user:ann"
    _, bob_job = client(space, signed_in("bob")).predict("a pony", "720P", "16:9", 3, False, "", **T2V)
    assert owner_of(space, bob_job) == "user:bob"
    ledger = Ledger(space.data_dir / "ledger.sqlite3")
    assert [j.id for j in ledger.list("user:bob")] == [bob_job["id"]]

    out = httpx.get(space.url + "logout", cookies={"session": ann_session}, follow_redirects=False)
    after = out.cookies.get("session") or ""
    _, anon_job = client(space, after).predict("a foal", "720P", "16:9", 3, False, "", **T2V)
    assert owner_of(space, anon_job).startswith("anon:")
    _, stale = client(space, signed_in("ann", expires_in=-5)).predict("a mare", "720P", "16:9", 3, False, "", **T2V)
    assert owner_of(space, stale).startswith("anon:")  # an expired sign-in is no sign-in


def test_an_api_client_with_a_hugging_face_token_is_that_account(space):
    _, job = client(space, token="hf_bob_token").predict("a colt", "720P", "16:9", 3, False, "", **T2V)
    assert owner_of(space, job) == "user:bob"
    _, nobody = client(space, token="hf_forged_token").predict("x", "720P", "16:9", 3, False, "", **T2V)
    assert owner_of(space, nobody).startswith("anon:")


def test_strangers_are_capped_and_fresh_identities_share_their_addresss_cap(space):
    first = client(space)
    first.predict("a grey horse", "720P", "16:9", 5, False, "", **T2V)  # $1.96 of $2.00 with the anonymous jobs above
    with pytest.raises(Exception, match=r"Your daily budget is \$2.00"):
        client(space).predict("a bay horse", "720P", "16:9", 5, False, "", **T2V)  # new cookie, same address


def test_the_readme_opens_with_space_front_matter_that_matches_the_pins():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    assert readme.startswith("---\n")
    header = dict(line.split(": ", 1) for line in readme.split("---\n")[1].splitlines() if ": " in line)
    pinned = next(line for line in (root / "requirements.txt").read_text().splitlines() if line.startswith("gradio"))
    assert pinned.split("==")[1].split()[0] == header["sdk_version"]
    assert header["sdk"] == "gradio" and header["app_file"] == "app.py" and header["hf_oauth"] == "true"
    assert len(header["short_description"]) <= 60
    after = readme.split("---\n", 2)[2]
    assert after.startswith("# HappyHorse Studio") and after.count("```") >= 4


def test_a_signed_in_user_runs_jobs_on_their_own_key_from_the_page(space, browser):
    from studio.jobs.ledger import Ledger as L

    own = "sk-ann-browser-key-8080"
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.add_cookies([{"name": "session", "value": signed_in("ann"), "url": space.url}])
    page = context.new_page()
    page.goto(space.url)
    page.get_by_text("Use your own provider key").click()
    page.get_by_label("API key").fill(own)
    page.get_by_role("button", name="Use my key").click()
    page.get_by_text("key is in use for your new jobs").wait_for(timeout=20000)
    assert page.get_by_label("API key").input_value() == ""  # not left on the page
    page.get_by_label("Prompt", exact=True).fill("A black horse in falling snow, slow push in")
    page.locator("input[type=number]").first.fill("3")
    page.locator("input[type=number]").first.press("Enter")
    page.get_by_role("button", name="Generate · Text to video").click()
    page.get_by_text("Seed used:").wait_for(timeout=90000)
    jobs = [j for j in L(space.data_dir / "ledger.sqlite3").list("user:ann") if j.key_source == "user"]
    assert len(jobs) == 1 and jobs[0].state.value == "succeeded"
    page.reload()
    page.get_by_text("key is in use for your new jobs").wait_for(timeout=20000)  # kept for this account
    assert own not in page.content()
    context.close()

    stranger = browser.new_page()
    stranger.goto(space.url)
    stranger.get_by_text("Use your own provider key").click()
    stranger.get_by_label("API key").fill("sk-stranger-key-1")
    stranger.get_by_role("button", name="Use my key").click()
    stranger.get_by_text("Sign in first").first.wait_for(timeout=20000)
    stranger.close()


def test_a_key_given_by_one_account_is_not_used_for_another_on_the_same_browser(space, browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.add_cookies([{"name": "session", "value": signed_in("ann"), "url": space.url}])
    page = context.new_page()
    page.goto(space.url)
    page.get_by_text("Use your own provider key").click()
    page.get_by_label("API key").fill("sk-ann-saved-key-7070")
    page.get_by_role("button", name="Use my key").click()
    page.get_by_text("key is in use for your new jobs").wait_for(timeout=20000)
    context.clear_cookies()
    context.add_cookies([{"name": "session", "value": signed_in("bob"), "url": space.url}])
    page.reload()
    page.get_by_text("Your clips").first.wait_for(timeout=20000)
    page.wait_for_timeout(2000)
    assert page.get_by_text("key is in use for your new jobs").count() == 0  # bob does not get ann's key
    context.close()
