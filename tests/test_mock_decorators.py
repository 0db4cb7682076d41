"""mock_aws's decorator contract, checked from outside: pytest collects every test of the
moto-style suite (tests/test_moto_style.py) with no warning, as it does under moto, and the
decorator keeps what pytest and unittest read off a function."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
import unittest
from pathlib import Path

import pytest

from pymsg import mock_aws

SUITE = Path(__file__).parent / "test_moto_style.py"


def defined_tests() -> set[str]:
    """Every test the suite defines: module-level test_ functions and test methods of Test classes."""
    names = set()
    for node in ast.parse(SUITE.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {f"{node.name}::{item.name}" for item in node.body
                      if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test")}
    return names


def test_pytest_collects_every_test_of_the_moto_style_suite() -> None:
    # Without pytest-benchmark: some of its versions warn that xdist is active when this runs in an
    # xdist worker, and the project's filterwarnings turns that warning into an error.
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                          "-p", "no:benchmark", "-W", "error::pytest.PytestCollectionWarning", str(SUITE)],
                         capture_output=True, text=True, cwd=SUITE.parent, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    collected = {line.split("::", 1)[1].split("[")[0] for line in run.stdout.splitlines() if "::" in line}
    assert len(defined_tests()) >= 25
    assert collected == defined_tests()
    assert "warning" not in run.stdout.lower()


def test_the_decorator_keeps_the_signature_marks_and_kind() -> None:
    @pytest.mark.parametrize("a", [1])
    def plain(a: int, b: str = "x") -> None: ...

    async def coroutine() -> None: ...

    def generator() -> object:
        yield 1

    wrapped = mock_aws(plain)
    assert inspect.signature(wrapped) == inspect.signature(plain)  # fixtures are injected by name
    assert wrapped.__name__ == "plain" and wrapped.pytestmark == plain.pytestmark
    assert inspect.iscoroutinefunction(mock_aws()(coroutine))
    assert inspect.isgeneratorfunction(mock_aws(generator))


def test_a_decorated_test_case_keeps_its_tests_for_unittest() -> None:
    @mock_aws
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            self.events = ["setUp"]

        def test_one(self) -> None:
            self.events.append("test")

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
    assert (result.testsRun, result.errors, result.failures) == (1, [], [])


def test_mock_aws_refuses_what_it_cannot_decorate() -> None:
    with pytest.raises(TypeError, match="a Broker, a function or a class"):
        mock_aws(42)


def test_pymsg_other_services_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    boto3 = pytest.importorskip("boto3")
    monkeypatch.setenv("PYMSG_OTHER_SERVICES", "block")  # as serve reads it: no moto mock started
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        with pytest.raises(RuntimeError, match="s3 is not emulated"):
            s3.list_buckets()
        assert boto3.client("sqs", region_name="us-east-1").list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    monkeypatch.setenv("PYMSG_OTHER_SERVICES", "localstack")
    with pytest.raises(ValueError, match="PYMSG_OTHER_SERVICES is 'moto' or 'block', not 'localstack'"):
        mock_aws()
    if importlib.util.find_spec("moto") is not None:
        monkeypatch.setenv("PYMSG_OTHER_SERVICES", "moto")
        with mock_aws():
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="from-moto")
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["from-moto"]
