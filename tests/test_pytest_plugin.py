"""pymsg's pytest plugin as a user meets it: a test file that asks for its fixtures runs in its
own pytest, with the plugin loaded from the installed package's entry point."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("boto3")


def run_pytest(tmp_path: Path, source: str, *options: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, "test_user.py"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_the_aws_fixture_serves_boto3_on_a_clock_the_test_drives(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, """
        import boto3

        def test_visibility_lapses_without_sleeping(aws):
            sqs = boto3.client("sqs")
            url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="x")
            assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1
            assert "Messages" not in sqs.receive_message(QueueUrl=url)
            aws.clock.advance(31)
            assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "x"
            assert [q.name for q in aws.broker.list_queues()] == ["jobs"]

        def test_each_test_gets_a_fresh_broker(aws, pymsg_broker):
            assert aws.broker is pymsg_broker and pymsg_broker.list_queues() == []

        def test_credentials_are_fake(aws_credentials):
            import os
            assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    """)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_pymsg_serve_gives_the_session_one_endpoint_a_subprocess_shares(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, """
        import os, subprocess, sys
        import boto3

        def test_one_endpoint_for_the_test_and_its_subprocess(pymsg_endpoint):
            assert os.environ["AWS_ENDPOINT_URL"] == pymsg_endpoint
            sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            sqs.create_queue(QueueName="shared")
            child = subprocess.run([sys.executable, "-c",
                                    "import boto3; print(boto3.client('sqs', region_name='us-east-1', "
                                    "aws_access_key_id='x', aws_secret_access_key='x').list_queues()['QueueUrls'])"],
                                   capture_output=True, text=True, timeout=60)
            assert "/123456789012/shared" in child.stdout, child.stderr
    """, "--pymsg-serve")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_without_the_option_the_endpoint_fixture_skips(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, """
        def test_needs_the_endpoint(pymsg_endpoint):
            raise AssertionError("not reached")
    """, "-rs")
    assert done.returncode == 0 and "needs --pymsg-serve" in done.stdout


def test_pymsg_serve_is_one_endpoint_for_every_xdist_worker(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    seen = tmp_path / "seen"
    seen.mkdir()
    done = run_pytest(tmp_path, f"""
        import os
        import boto3
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_each_worker_reaches_the_session_endpoint(n, worker_id):
            sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            sqs.create_queue(QueueName=f"from-{{worker_id}}")
            queues = sqs.list_queues()["QueueUrls"]
            with open(os.path.join({str(seen)!r}, f"{{worker_id}}-{{n}}"), "w") as out:
                out.write(os.environ["AWS_ENDPOINT_URL"] + " " + " ".join(queues))
    """, "--pymsg-serve", "-n", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    records = {path.name: path.read_text().split() for path in seen.iterdir()}
    assert len(records) == 4 and {name.split("-")[0] for name in records} == {"gw0", "gw1"}
    assert len({endpoint for endpoint, *_ in records.values()}) == 1  # one serve, not one a worker
    # The last listing of the run comes after each worker made its queue: one broker holds both.
    last_listing = max(records.values(), key=len)[1:]
    assert sorted(url.rpartition("/")[2] for url in last_listing) == ["from-gw0", "from-gw1"]
