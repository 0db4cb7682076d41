"""The peers `pymsg bench` measures pymsg against, each behind the same small interface: a
factory returns (op, check), where op() does one round of the workload and check() asserts it did
what it claims. Peers whose library or server is missing are skipped with the reason."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from typing import Any, Optional


class Unavailable(Exception):
    """A peer cannot run here (its reason is reported)."""


class RedisServer:
    """redis-server started on 127.0.0.1 and a free port (stopped by its pid), or an existing
    server given by URL."""

    def __init__(self, url: Optional[str] = None) -> None:
        try:
            import redis
        except ImportError:
            raise Unavailable("redis-py is not installed (pip install 'pymsg[bench]')") from None
        self.process: Optional[subprocess.Popen] = None
        if url is None:
            binary = shutil.which("redis-server")
            if binary is None:
                raise Unavailable("redis-server is not installed (apt-get install -y redis-server)")
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            self.process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            url = f"redis://127.0.0.1:{port}/0"
        self.client = redis.Redis.from_url(url)
        for _ in range(100 if self.process is not None else 1):  # a server we started may need a moment
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            self.stop()
            raise Unavailable(f"no Redis answering at {url}")
        self.version = self.client.info()["redis_version"]
        self.client.flushdb()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class Moto:
    """moto's mock_aws with boto3 clients, in process."""

    def __init__(self) -> None:
        try:
            import boto3
            import moto
        except ImportError:
            raise Unavailable("moto or boto3 is not installed (pip install 'pymsg[bench]')") from None
        for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                           ("AWS_DEFAULT_REGION", "us-east-1")):
            os.environ.setdefault(key, value)
        self.mock = moto.mock_aws()
        self.mock.start()
        self.version = moto.__version__
        self.sqs: Any = boto3.client("sqs", region_name="us-east-1")
        self.sns: Any = boto3.client("sns", region_name="us-east-1")
        self.kinesis: Any = boto3.client("kinesis", region_name="us-east-1")

    def stop(self) -> None:
        self.mock.stop()
