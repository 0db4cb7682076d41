"""The C++ core's own unit tests (src/cpp/tests/*.cpp), built against the core without Python.

The core's sources are compiled once for the module (in parallel, one object each), and each
test program links against those objects."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CPP = ROOT / "src" / "cpp"
COMPILER = shutil.which("c++") or shutil.which("g++")
FLAGS = ["-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-pthread", f"-I{CPP}"]


@pytest.fixture(scope="module")
def core_objects(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("core")
    sources = sorted((CPP / "pymsg").rglob("*.cpp"))

    def compile_one(source: Path) -> str:
        target = out / (str(source.relative_to(CPP)).replace(os.sep, "_") + ".o")
        subprocess.run([str(COMPILER), *FLAGS, "-c", str(source), "-o", str(target)], check=True)
        return str(target)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(compile_one, sources))


@pytest.mark.skipif(COMPILER is None, reason="no C++ compiler")
@pytest.mark.parametrize("test_source", sorted((CPP / "tests").glob("test_*.cpp")), ids=lambda p: p.stem)
def test_cpp_unit(test_source: Path, tmp_path: Path, core_objects: list[str]) -> None:
    binary = tmp_path / test_source.stem
    subprocess.run([str(COMPILER), *FLAGS, *core_objects, str(test_source), "-o", str(binary)], check=True)
    result = subprocess.run([str(binary)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout
