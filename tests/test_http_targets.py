"""Where SNS's HTTP(S) deliveries may go (pymsg.HttpTargets): never to link-local or metadata
addresses unless allowed, to loopback unless told not to, never through a redirect; and what
`pymsg serve` allows by the address it listens on."""

from __future__ import annotations

import http.server
import logging
import subprocess
import sys
import threading
from typing import Any, Iterator

import pytest

import pymsg
from pymsg import HttpTargets


class Endpoint:
    """A local HTTP server that records the paths POSTed to it and answers `status`, with
    `location` as its Location header when set."""

    def __init__(self, status: int = 200, location: str | None = None) -> None:
        self.paths: list[str] = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                endpoint.paths.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST  # a redirect followed as a GET would land here too  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self.thread.start()

    def url(self, host: str = "127.0.0.1", path: str = "/hook") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


@pytest.mark.parametrize("address, why", [
    ("169.254.169.254", "the instance metadata service"),
    ("fd00:ec2::254", "the instance metadata service"),
    ("::ffff:169.254.169.254", "the instance metadata service"),  # IPv4-mapped is the same address
    ("169.254.10.1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.251", "multicast"),
    ("ff02::1", "multicast"),
    ("255.255.255.255", "broadcast"),
    ("127.0.0.1", None),
    ("::1", None),
    ("10.1.2.3", None),
    ("172.17.0.2", None),
    ("192.168.1.9", None),
    ("93.184.216.34", None),
    ("2606:2800:220:1::", None),
])
def test_what_is_refused_by_default(address: str, why: str | None) -> None:
    assert HttpTargets().refusal(address) == why


def test_loopback_can_be_refused_and_networks_allowed() -> None:
    closed = HttpTargets(loopback=False)
    assert closed.refusal("127.0.0.53") == "loopback" and closed.refusal("::1") == "loopback"
    assert closed.refusal("::ffff:127.0.0.1") == "loopback"
    opened = HttpTargets(["169.254.169.254/32", "127.0.0.0/8"], loopback=False)
    assert opened.refusal("169.254.169.254") is None and opened.refusal("127.0.0.1") is None
    assert opened.refusal("169.254.169.253") == "link-local" and opened.refusal("::1") == "loopback"
    assert "169.254.169.254/32" in repr(opened)


@pytest.mark.parametrize("make, message", [
    (lambda: HttpTargets("10.0.0.0/8"), "allow must be a list of networks"),
    (lambda: HttpTargets(["10.0.0.0/33"]), "'10.0.0.0/33' is not an IP network"),
    (lambda: HttpTargets([None]), "None is not an IP network"),
    (lambda: pymsg.Broker(http_targets=["10.0.0.0/8"]), "http_targets must be a pymsg.HttpTargets, not list"),
])
def test_bad_settings_are_invalid_parameter_values(make: Any, message: str) -> None:
    with pytest.raises(pymsg.InvalidParameterValue, match=message):
        make()


def test_a_refused_address_gets_nothing_and_the_refusal_is_logged(clock: pymsg.ManualClock, endpoint: Endpoint,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    broker = pymsg.Broker(clock, http_targets=HttpTargets(loopback=False))
    topic = broker.create_topic("t")
    with caplog.at_level(logging.WARNING, logger="pymsg"):
        by_address = topic.subscribe(endpoint.url())
        by_name = topic.subscribe(endpoint.url("localhost"))  # refused after resolution, whatever the name
    assert endpoint.paths == []
    assert by_address.attributes()["PendingConfirmation"] == by_name.attributes()["PendingConfirmation"] == "true"
    refusals = [r.getMessage() for r in caplog.records if "may not reach" in r.getMessage()]
    assert len(refusals) == 2
    assert "127.0.0.1 is loopback:" in refusals[0]
    assert "localhost is " in refusals[1] and "(loopback)" in refusals[1]  # ::1, 127.0.0.1 or both


def test_https_is_checked_before_the_handshake(clock: pymsg.ManualClock, endpoint: Endpoint,
                                               caplog: pytest.LogCaptureFixture) -> None:
    topic = pymsg.Broker(clock, http_targets=HttpTargets(loopback=False)).create_topic("t")
    with caplog.at_level(logging.WARNING, logger="pymsg"):
        topic.subscribe(f"https://127.0.0.1:{endpoint.port}/hook")
    assert any("127.0.0.1 is loopback:" in r.getMessage() for r in caplog.records)


def test_an_allowed_network_is_delivered_to(clock: pymsg.ManualClock, endpoint: Endpoint) -> None:
    broker = pymsg.Broker(clock, http_targets=HttpTargets(["127.0.0.1/32"], loopback=False))
    broker.create_topic("t").subscribe(endpoint.url())
    assert endpoint.paths == ["/hook"]


def test_a_redirect_is_not_followed(clock: pymsg.ManualClock, endpoint: Endpoint,
                                    caplog: pytest.LogCaptureFixture) -> None:
    """A subscriber that answers 302 pointing elsewhere (here the loopback endpoint, as it could
    point at the metadata service) gets a failed delivery; the place it points at gets nothing."""
    redirecting = Endpoint(302, endpoint.url(path="/stolen"))
    try:
        topic = pymsg.Broker(clock).create_topic("t")
        with caplog.at_level(logging.WARNING, logger="pymsg"):
            subscription = topic.subscribe(redirecting.url())
        assert redirecting.paths == ["/hook"] and endpoint.paths == []
        assert subscription.attributes()["PendingConfirmation"] == "true"
        assert any("HTTP 302" in r.getMessage() for r in caplog.records)
    finally:
        redirecting.close()


def run_serve(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pymsg", "serve", "--port", "0", *flags], capture_output=True,
                          text=True, timeout=60)


def test_serve_refuses_a_bad_network() -> None:
    done = run_serve("--allow-http-targets", "169.254.0.0/99")
    assert done.returncode == 2 and "'169.254.0.0/99' is not an IP network" in done.stderr


def test_serve_delivers_to_loopback_only_when_it_listens_there() -> None:
    from pymsg.aws import server

    for host, allow, loopback in [("127.0.0.1", [], True), ("0.0.0.0", [], False),
                                  ("0.0.0.0", ["127.0.0.0/8"], False)]:
        seen: list[HttpTargets] = []

        def ready(s: server.Server) -> None:
            seen.append(s.broker._http_targets)
            threading.Thread(target=s.shutdown).start()

        thread = threading.Thread(target=server.serve, args=(host, 0), kwargs={"ready": ready,
                                                                               "allow_http_targets": allow})
        thread.start()
        thread.join(30)
        assert seen[0].loopback is loopback
        assert (seen[0].refusal("127.0.0.1") is None) is (loopback or bool(allow))
