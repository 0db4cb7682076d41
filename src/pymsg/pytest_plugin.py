"""pymsg's pytest plugin (loaded by pytest wherever pymsg is installed, through the ``pytest11``
entry point; ``-p no:pymsg`` turns it off).

Fixtures, each overridden by a test suite's own fixture of the same name:

- ``aws_credentials``: fake credentials and a region in the environment, as moto's docs write it.
- ``pymsg_clock``: a :class:`pymsg.ManualClock` for the test.
- ``pymsg_broker``: a fresh :class:`pymsg.Broker` on that clock.
- ``aws``: ``mock_aws`` over that broker for the whole test; ``aws.clock.advance(30)`` moves
  visibility timeouts, delays and retention without sleeping, ``aws.broker`` is the broker.
  On that clock a long poll (``WaitTimeSeconds`` > 0) of an empty queue waits until the clock
  is advanced, from another thread: code under test that long-polls wants ``pymsg_broker``
  overridden with ``pymsg.Broker()`` (the system clock) instead.

``--pymsg-serve`` runs one ``pymsg serve`` for the whole session, on a free loopback port, and
points ``AWS_ENDPOINT_URL`` at it before any test (or pytest-xdist worker, or subprocess a test
starts) makes a client, so that all of them share one endpoint; the ``pymsg_endpoint`` fixture
gives its URL. The plugin imports pymsg only when a fixture or the option needs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Iterator

import pytest

_ENDPOINT_VARIABLE = "PYMSG_PYTEST_ENDPOINT"  # set by the run that started the session's serve


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pymsg")
    group.addoption("--pymsg-serve", action="store_true", default=False,
                    help="run one `pymsg serve` for the session and point AWS_ENDPOINT_URL at it "
                         "(shared by pytest-xdist workers and the subprocesses tests start)")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("pymsg_serve") or hasattr(config, "workerinput"):
        return  # an xdist worker inherits the controller's endpoint through the environment
    port = _free_port()
    log = tempfile.TemporaryFile()  # a file, not a pipe: a pipe nobody reads fills and stalls the server
    process = subprocess.Popen([sys.executable, "-m", "pymsg", "serve", "--port", str(port), "--log-level", "warning"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_until_listening(process, port, log)
    config._pymsg_serve = process  # type: ignore[attr-defined]
    config._pymsg_saved_environment = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", _ENDPOINT_VARIABLE)}  # type: ignore[attr-defined]
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ[_ENDPOINT_VARIABLE] = endpoint


def pytest_unconfigure(config: pytest.Config) -> None:
    process = getattr(config, "_pymsg_serve", None)
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    for key, value in config._pymsg_saved_environment.items():  # type: ignore[attr-defined]
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_listening(process: subprocess.Popen, port: int, log: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise pytest.UsageError(f"--pymsg-serve: pymsg serve exited: {log.read().decode()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)  # waiting for another process to listen: real time is all there is
    process.kill()
    raise pytest.UsageError(f"--pymsg-serve: pymsg serve did not listen on port {port} in {timeout:g} s")


@pytest.fixture(scope="session")
def pymsg_endpoint() -> str:
    """The URL of the session's ``pymsg serve`` (skips the test without ``--pymsg-serve``)."""
    endpoint = os.environ.get(_ENDPOINT_VARIABLE)
    if not endpoint:
        pytest.skip("needs --pymsg-serve")
    return endpoint


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and a region, so that no client can act on a real account."""
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_SECURITY_TOKEN", "testing"), ("AWS_SESSION_TOKEN", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)


@pytest.fixture
def pymsg_clock() -> Any:
    """A manual clock for the test, at the time the test starts."""
    import pymsg

    return pymsg.ManualClock(time.time())


@pytest.fixture
def pymsg_broker(pymsg_clock: Any) -> Any:
    """A fresh broker on the test's manual clock."""
    import pymsg

    return pymsg.Broker(pymsg_clock)


@pytest.fixture
def aws(pymsg_broker: Any, aws_credentials: None) -> Iterator[Any]:
    """boto3 served in process by ``pymsg_broker`` for the whole test (``aws.clock`` drives it)."""
    import pymsg

    with pymsg.mock_aws(pymsg_broker) as mock:
        yield mock
