"""The subtle parts of the release tooling in tools/: the sdist sync that keeps rebuilds
incremental, and the PATH without compilers that test_wheel.py installs wheels under. (Skipped
where tools/ is absent: test_wheel.py runs this suite from a copy of tests/ alone.)"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
pytestmark = pytest.mark.skipif(not (TOOLS / "build_wheels.py").exists(), reason="no tools/ beside the tests")


@pytest.fixture
def tools(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(TOOLS))
    import build_wheels
    import test_wheel

    return build_wheels, test_wheel


def make_sdist(path: Path, files: dict[str, bytes]) -> Path:
    """An sdist as scikit-build-core writes one: every member stamped with the same fixed time."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"pkg-1.0/{name}")
            info.size, info.mtime = len(data), 1_668_000_000
            archive.addfile(info, io.BytesIO(data))
    return path


def test_unpack_rewrites_only_what_changed(tools, tmp_path: Path) -> None:
    build_wheels, _ = tools
    folder = tmp_path / "release"
    first = make_sdist(tmp_path / "a.tar.gz", {"same.cpp": b"1", "changed.cpp": b"old", "gone.cpp": b"x"})
    tree = build_wheels.unpack(first, folder)
    assert tree == folder / "pkg-1.0"
    for name in ("same.cpp", "changed.cpp"):
        os.utime(tree / name, (1_000, 1_000))  # as if compiled long ago

    second = make_sdist(tmp_path / "b.tar.gz", {"same.cpp": b"1", "changed.cpp": b"new", "added/new.cpp": b"y"})
    assert build_wheels.unpack(second, folder) == tree
    assert (tree / "same.cpp").stat().st_mtime == 1_000  # untouched: its objects stay valid
    assert (tree / "changed.cpp").read_bytes() == b"new"
    assert (tree / "changed.cpp").stat().st_mtime > 1_000  # newer than its objects: recompiled
    assert (tree / "added" / "new.cpp").read_bytes() == b"y"
    assert not (tree / "gone.cpp").exists()


def test_path_without_compilers_keeps_the_rest(tools, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, test_wheel = tools
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    names = ["cc", "c++", "gcc", "g++-12", "x86_64-linux-gnu-gcc-12", "clang++", "zig", "cpp", "git", "c++filt", "sh"]
    for name in names:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    path = test_wheel.path_without_compilers(tmp_path / "nocc")
    assert sorted(os.listdir(path)) == ["c++filt", "git", "sh"]
    assert shutil.which("cc", path=path) is None and shutil.which("git", path=path) is not None


def test_find_python_finds_this_one(tools) -> None:
    build_wheels, _ = tools
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    found = build_wheels.find_python(version)
    assert found.exists() and version in found.name
