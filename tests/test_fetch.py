"""studio.fetch over real HTTP on loopback: what a link may reach, how much it may bring, how long it may take.

The studio's own policy (PUBLIC) is attacked with every way of naming this machine or its network; the
loopback file server is reached only through OnlyThisServer (tests/link_server.py), which a test hands
to fetch() itself.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import dataclass, field

import pytest

from studio import fetch
from studio.errors import InputError
from tests.conftest import wait_until
from tests.link_server import LinkServer, OnlyThisServer, png


@pytest.fixture(scope="module")
def files():
    server = LinkServer(slow=4.0)
    yield server
    server.close()


def leftovers(folder) -> list:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2002:7f00:1::", "2002:a9fe:a9fe::",
])
def test_no_private_local_or_reserved_address_is_public(address):
    assert not fetch.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_internet_addresses_are_public(address):
    assert fetch.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("link", [
    "https://127.0.0.1/frame.png", "https://10.1.2.3/frame.png", "https://169.254.169.254/latest/meta-data/",
    "https://localhost/frame.png", "https://[::1]/frame.png", "https://[::ffff:127.0.0.1]/frame.png",
    "https://2130706433/frame.png", "https://0x7f000001/frame.png", "https://127.1/frame.png",
    "https://0.0.0.0/frame.png", "https://LOCALHOST./frame.png", "https://100.64.1.1/frame.png",
])
def test_the_studios_policy_refuses_every_name_for_this_machine_or_its_network(link, tmp_path):
    with pytest.raises(fetch.FetchError, match="private, local or reserved") as refused:
        fetch.fetch(link, tmp_path, "image", "first_frame", fetch.PUBLIC)
    assert not re.search(r"\d+\.\d+\.\d+\.\d+|::", str(refused.value))  # no address in the words
    assert leftovers(tmp_path) == []


def test_the_studios_policy_takes_only_https_and_no_passwords(files, tmp_path):
    with pytest.raises(fetch.FetchError, match="must start with https://"):
        fetch.fetch(files.url + "/frame.png", tmp_path, "image", "first_frame", fetch.PUBLIC)
    with pytest.raises(fetch.FetchError, match="must start with https://"):
        fetch.fetch("file:///etc/passwd", tmp_path, "image", "first_frame", fetch.PUBLIC)
    with pytest.raises(fetch.FetchError, match="user name or password"):
        fetch.fetch("https://user:secret@example.com/a.png", tmp_path, "image", "first_frame", fetch.PUBLIC)
    with pytest.raises(fetch.FetchError, match="could not be found"):
        fetch.fetch("https://no-such-host.invalid/a.png", tmp_path, "image", "first_frame", fetch.PUBLIC)
    assert files.hosts == [] and leftovers(tmp_path) == []


def test_a_link_the_policy_allows_is_fetched_whole(files, tmp_path):
    got = fetch.fetch(files.url + "/frame.png", tmp_path, "image", "first_frame", files.policy)
    assert got.parent == tmp_path and got.suffix == ".png" and got.read_bytes() == files.frame


def test_a_file_past_the_cap_is_refused_while_it_streams_and_nothing_stays(files, tmp_path):
    with pytest.raises(fetch.FetchError, match="larger than the 10 MB"):
        fetch.fetch(files.url + "/big.png", tmp_path, "image", "first_frame", files.policy)
    with pytest.raises(fetch.FetchError, match="larger than the 10 MB"):
        fetch.fetch(files.url + "/long.png", tmp_path, "image", "first_frame", files.policy)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("route", ["/to-metadata", "/to-other-port"])
def test_a_redirect_to_an_address_the_policy_refuses_is_not_followed(files, tmp_path, route):
    with pytest.raises(fetch.FetchError, match="private, local or reserved"):
        fetch.fetch(files.url + route, tmp_path, "image", "first_frame", files.policy)
    assert leftovers(tmp_path) == []


def test_endless_redirects_and_missing_files_are_refused_in_words(files, tmp_path):
    with pytest.raises(fetch.FetchError, match="redirects more than 3 times"):
        fetch.fetch(files.url + "/loop", tmp_path, "image", "first_frame", files.policy)
    with pytest.raises(fetch.FetchError, match="answered HTTP 404"):
        fetch.fetch(files.url + "/missing.png", tmp_path, "image", "first_frame", files.policy)
    assert leftovers(tmp_path) == []


def test_a_slow_link_times_out_in_words(files, tmp_path):
    with pytest.raises(fetch.FetchError, match="took too long"):
        fetch.fetch(files.url + "/slow.png", tmp_path, "image", "first_frame", files.policy)
    assert leftovers(tmp_path) == []


@dataclass(frozen=True)
class Rebinding(OnlyThisServer):
    """A name whose DNS answers the allowed address first and a private one after (a rebinding attack)."""

    answers: list = field(default_factory=list)

    def resolve(self, host: str, port: int):
        self.answers.append(host)
        first = len(self.answers) == 1
        return [ipaddress.ip_address("127.0.0.1" if first else "10.0.0.1")]


def test_the_connection_goes_to_the_address_that_was_checked(files, tmp_path):
    policy = Rebinding(port=files.port)
    link = f"http://rebind.test:{files.port}/frame.png"
    assert fetch.fetch(link, tmp_path, "image", "first_frame", policy).read_bytes() == files.frame
    assert policy.answers == ["rebind.test"]  # resolved once: no second answer is ever asked for
    assert files.hosts[-1] == f"rebind.test:{files.port}"  # the server saw the link's own name


@dataclass(frozen=True)
class Mixed(OnlyThisServer):
    def resolve(self, host: str, port: int):
        return [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.0.0.1")]


def test_every_address_a_name_resolves_to_must_be_allowed(files, tmp_path):
    with pytest.raises(fetch.FetchError, match="private, local or reserved"):
        fetch.fetch(f"http://mixed.test:{files.port}/frame.png", tmp_path, "image", "first_frame",
                    Mixed(port=files.port))


def test_a_data_url_past_the_cap_is_refused_by_its_length_before_anything_is_decoded(tmp_path):
    cap = fetch.KINDS["image"]
    not_base64 = "data:image/png;base64," + "!" * (cap // 3 * 4 + 8192)  # decoding it would fail differently
    with pytest.raises(fetch.FetchError, match="larger than the 10 MB"):
        fetch.decode(not_base64, tmp_path, "image", "first_frame")
    assert leftovers(tmp_path) == []


def test_a_data_url_is_decoded_when_it_is_base64_and_small_enough(tmp_path):
    frame = png()
    got = fetch.to_file("data:image/png;base64," + base64.b64encode(frame).decode(), tmp_path, "image", "x")
    assert got.read_bytes() == frame and got.suffix == ".png"
    for bad, words in [("data:image/png;base64,%%%%", "not valid base64"), ("data:text/plain,hello", "must be base64"),
                       ("data:image/png;base64,", "holds no data")]:
        with pytest.raises(InputError, match=words):
            fetch.decode(bad, tmp_path, "image", "x")
    assert leftovers(tmp_path) == [got.name]


@dataclass(frozen=True)
class FilesTest(OnlyThisServer):
    """files.test is 127.0.0.1 (for this test only), its certificate trusted through `verify`."""

    def resolve(self, host: str, port: int):
        return [ipaddress.ip_address("127.0.0.1")] if host in ("files.test", "127.0.0.1") else []


def test_a_pinned_https_link_still_checks_the_certificate_against_the_links_own_name(tmp_path):
    from tests.tls_files import TlsFiles

    frame = png()
    server = TlsFiles(tmp_path, frame)
    into = tmp_path / "into"
    into.mkdir()
    try:
        trusted = FilesTest(port=server.port, verify=server.trust)
        got = fetch.fetch(f"https://files.test:{server.port}/frame.png", into, "image", "first_frame", trusted)
        assert got.read_bytes() == frame and server.names == [f"files.test:{server.port}"]
        # the same address by its number: the certificate does not name 127.0.0.1, so nothing is fetched
        with pytest.raises(fetch.FetchError, match="no valid certificate"):
            fetch.fetch(f"https://127.0.0.1:{server.port}/frame.png", into, "image", "first_frame", trusted)
        # the system's authorities do not know the test's: refused, as an unknown certificate is
        with pytest.raises(fetch.FetchError, match="no valid certificate"):
            fetch.fetch(f"https://files.test:{server.port}/frame.png", into, "image", "first_frame",
                        FilesTest(port=server.port))
        assert [p.name for p in into.iterdir()] == [got.name]
    finally:
        server.close()


def test_downloads_at_once_are_bounded_and_the_next_is_refused_in_words(files, tmp_path, monkeypatch):
    import threading

    monkeypatch.setattr(fetch, "_turns", threading.BoundedSemaphore(1))
    monkeypatch.setattr(fetch, "WAIT_FOR_TURN", 0.5)
    slow = threading.Thread(target=lambda: pytest.raises(fetch.FetchError, fetch.fetch, files.url + "/slow.png",
                                                         tmp_path, "image", "a", files.policy))
    seen = len(files.hosts)
    slow.start()
    try:
        wait_until(lambda: len(files.hosts) > seen, what="the slow download to hold the only turn")
        with pytest.raises(fetch.FetchError, match="busy fetching other links"):
            fetch.fetch(files.url + "/frame.png", tmp_path, "image", "b", files.policy)
    finally:
        slow.join()
    assert fetch.fetch(files.url + "/frame.png", tmp_path, "image", "c", files.policy).exists()  # its turn came


def test_scratch_folders_a_stopped_process_left_are_pruned(tmp_path):
    import os

    from studio.ui.links import PREFIX, STALE_SECONDS, prune

    old, fresh, other = tmp_path / f"{PREFIX}old", tmp_path / f"{PREFIX}fresh", tmp_path / "someone-elses"
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "frame.png").write_bytes(b"x")
    for folder in (old, other):
        os.utime(folder, (0, 0))
    prune(tmp_path, now=STALE_SECONDS + 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, other.name])


def test_a_huge_link_or_host_is_never_echoed_whole(tmp_path):
    with pytest.raises(fetch.FetchError, match="longer than 8192 characters") as refused:
        fetch.fetch("https://example.com/" + "a" * 100_000, tmp_path, "image", "first_frame", fetch.PUBLIC)
    assert len(str(refused.value)) < 300
    with pytest.raises(fetch.FetchError, match="could not be found") as refused:
        fetch.fetch("https://" + "b" * 60 + "." + "c" * 60 + ".invalid/x.png", tmp_path, "image", "first_frame",
                    fetch.PUBLIC)
    assert len(str(refused.value)) < 300
