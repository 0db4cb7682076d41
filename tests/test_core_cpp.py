"""The C++ core's own unit tests (src/cpp/tests/*.cpp), built against the core without Python."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CPP = ROOT / "src" / "cpp"
COMPILER = shutil.which("c++") or shutil.which("g++")


@pytest.mark.skipif(COMPILER is None, reason="no C++ compiler")
@pytest.mark.parametrize("test_source", sorted((CPP / "tests").glob("test_*.cpp")), ids=lambda p: p.stem)
def test_cpp_unit(test_source: Path, tmp_path: Path) -> None:
    binary = tmp_path / test_source.stem
    core = sorted(str(p) for p in (CPP / "pymsg").rglob("*.cpp"))
    subprocess.run(
        [str(COMPILER), "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-pthread", f"-I{CPP}",
         *core, str(test_source), "-o", str(binary)],
        check=True,
    )
    result = subprocess.run([str(binary)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
