"""`python -m pymsg serve` as people run emulators: defaults in --help, every option from the
environment (PYMSG_*), one-line errors for a port in use, a bad variable or a state folder
that is not there, LocalStack's health route, an access log when asked, and Ctrl-C that ends
long polls at once and says what it kept."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest

boto3 = pytest.importorskip("boto3")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_serve(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    """A serve that is expected to stop on its own (an error)."""
    return subprocess.run([sys.executable, "-m", "pymsg", "serve", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


class Running:
    """A serve subprocess, started and waited for (its start line on stderr)."""

    def __init__(self, *args: str, env: dict[str, str], preexec_fn: Callable[[], None] | None = None) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "pymsg", "serve", *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env={**os.environ, **env},
                                        preexec_fn=preexec_fn)
        assert self.process.stderr is not None
        self.start_log = ""
        while "pymsg serving" not in (line := self.process.stderr.readline()):  # a recovery may log first
            assert line, self.start_log
            self.start_log += line
        self.start_line = line

    def stop(self) -> tuple[float, str]:
        """SIGINT, as Ctrl-C sends; (seconds until it exited, what it logged meanwhile)."""
        began = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        _, log = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, log
        return time.monotonic() - began, log


@pytest.fixture
def port() -> int:
    return free_port()


def test_help_shows_every_default_and_the_environment() -> None:
    done = run_serve("--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for option, default in [("--port", "4566"), ("--host", "127.0.0.1"), ("--region", "us-east-1"),
                            ("--state-interval", "5.0"), ("--log-level", "info")]:
        assert option in text and f"(default: {default})" in text
    assert "PYMSG_" in text


def test_the_environment_configures_serve(port: int) -> None:
    server = Running(env={"PYMSG_PORT": str(port), "PYMSG_REGION": "eu-west-1", "PYMSG_ACCOUNT_ID": "111122223333",
                          "PYMSG_ACCESS_LOG": "true"})
    try:
        assert f"127.0.0.1:{port}" in server.start_line and "eu-west-1" in server.start_line
        assert "111122223333" in server.start_line
        sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                           aws_access_key_id="x", aws_secret_access_key="x")
        url = sqs.create_queue(QueueName="from-env")["QueueUrl"]
        assert "/111122223333/from-env" in url
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_localstack/health", timeout=10) as answer:
            health = json.loads(answer.read())
        assert health["services"]["sqs"] == "running" and health["edition"] == "community"
    finally:
        _, log = server.stop()
    access = [line for line in log.splitlines() if "pymsg.server.access" in line]
    assert any('"POST / HTTP/1.1" 200' in line for line in access)
    assert any('"GET /_localstack/health HTTP/1.1" 200' in line for line in access)


def test_a_bad_environment_variable_is_one_line_naming_it() -> None:
    done = run_serve(env={"PYMSG_PORT": "not-a-port"})
    assert done.returncode == 2
    assert "PYMSG_PORT='not-a-port'" in done.stderr and "Traceback" not in done.stderr
    done = run_serve(env={"PYMSG_LOG_LEVEL": "verbose"})
    assert done.returncode == 2 and "PYMSG_LOG_LEVEL='verbose': not one of" in done.stderr


def test_a_flag_wins_over_a_bad_variable_and_other_commands_ignore_them(port: int) -> None:
    # Kubernetes sets PYMSG_PORT=tcp://... in every pod of a namespace with a service named pymsg.
    env = {"PYMSG_PORT": "tcp://10.0.0.7:4566"}
    version = subprocess.run([sys.executable, "-m", "pymsg", "--version"], capture_output=True, text=True,
                             env={**os.environ, **env}, timeout=30)
    assert version.returncode == 0 and version.stdout.startswith("pymsg ")
    server = Running("--port", str(port), env=env)
    assert f"127.0.0.1:{port}" in server.start_line
    server.stop()


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve("--port", str(port))
    assert done.returncode == 1
    assert f"pymsg serve: error: cannot listen on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_state_file_in_a_missing_folder_is_refused_at_start(tmp_path: Path, port: int) -> None:
    missing = tmp_path / "nowhere" / "state.msgpack"
    done = run_serve("--port", str(port), "--state", str(missing))
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_ctrl_c_ends_a_long_poll_at_once_and_says_what_it_saved(tmp_path: Path, port: int) -> None:
    state = tmp_path / "state.msgpack"
    server = Running("--port", str(port), "--state", str(state), "--state-interval", "0", env={})
    sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
    answers: list[Any] = []
    poll = threading.Thread(target=lambda: answers.append(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)))
    poll.start()
    # Real time, in another process (no manual clock reaches it): give the long poll a second to
    # reach the queue; what is measured is that Ctrl-C does not wait out its 20 seconds.
    time.sleep(1.0)
    seconds, log = server.stop()
    poll.join(timeout=30)
    assert seconds < 5  # not the 20 s the long poll would have waited
    assert answers and "Messages" not in answers[0] and answers[0]["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "saved 1 queue(s), 0 topic(s) and 0 stream(s)" in log
    assert state.exists()



def test_data_dir_errors_are_one_line(tmp_path: Path, port: int) -> None:
    missing = run_serve("--port", str(port), "--data-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "no data directory" in missing.stderr and str(tmp_path / "nowhere") in missing.stderr
    both = run_serve("--port", str(port), "--data-dir", str(tmp_path), "--state", str(tmp_path / "s"))
    assert both.returncode == 2 and "--state and --data-dir" in both.stderr
    policy = run_serve("--port", str(port), "--data-dir", str(tmp_path), "--fsync", "sometimes")
    assert policy.returncode == 2 and "invalid choice: 'sometimes'" in policy.stderr
    assert list(tmp_path.iterdir()) == []


def test_data_dir_keeps_the_queues_over_a_restart_and_reset_wipes_it(tmp_path: Path, port: int) -> None:
    sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    started: list[Running] = []

    def start(*args: str) -> Running:
        started.append(Running("--port", str(port), "--data-dir", str(tmp_path), *args, env={}))
        return started[-1]

    try:
        server = start("--fsync", "always")
        locked = run_serve("--port", str(free_port()), "--data-dir", str(tmp_path))
        assert locked.returncode == 2 and "in use" in locked.stderr and "Traceback" not in locked.stderr
        url = sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="one")
        sqs.send_message(QueueUrl=url, MessageBody="two")
        handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
        _, log = server.stop()
        assert "checkpointed and closed" in log
        server = start()
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"],
                attributes["VisibilityTimeout"]) == ("1", "1", "45")
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST")).read()
        assert sqs.list_queues().get("QueueUrls", []) == []
        server.stop()
        server = start()
        assert sqs.list_queues().get("QueueUrls", []) == []  # the reset reached the disk
        server.stop()
    finally:
        for running in started:  # a failed assertion leaves no server behind
            if running.process.poll() is None:
                running.process.kill()
                running.process.communicate()
