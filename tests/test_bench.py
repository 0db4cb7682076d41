"""`python -m pymsg bench` runs end to end, writes its report, and says which peers it skipped.
(Timings are never asserted; the peers' numbers only have to exist.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pymsg", "bench", "--quick", "--out", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=300)


def test_quick_bench_writes_a_report_and_says_what_it_skipped(tmp_path: Path) -> None:
    pytest.importorskip("cachetools")
    # A Redis URL nobody answers and no moto: those peers are skipped, the rest runs.
    result = bench(tmp_path, "--only", "cache", "--no-moto", "--redis-url", "redis://127.0.0.1:1/0")
    assert result.returncode == 0, result.stderr
    assert "moto skipped" in result.stderr
    assert "Redis skipped" in result.stderr
    report = (tmp_path / "report.md").read_text()
    assert "| Cache: get hit, 1k hot keys (per get) | pymsg |" in report
    assert "| Cache: set, random keys (per set) | cachetools.TTLCache |" in report
    assert "**Redis skipped**" in report and "**moto skipped**" in report
    assert "## The core alone" in report and "## Core threads" in report
    assert "| cache entry (pymsg) |" in report
    assert "Cache: mget of 100 (per key)" in result.stdout


def test_unknown_family_is_refused(tmp_path: Path) -> None:
    result = bench(tmp_path, "--only", "sqs,nosuch")
    assert result.returncode == 2 and "unknown families" in result.stderr
