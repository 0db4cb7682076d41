"""Prove that a built wheel works where no compiler is: install it into a fresh virtual
environment whose PATH has no C or C++ compiler, and run the test suite against the installed
package, not the source tree.

    python tools/test_wheel.py dist/pymsg_broker-0.1.0-cp39-cp39-manylinux2014_x86_64....whl

The interpreter is the CPython the wheel's tag names (found as in build_wheels.py). Everything
is installed with --only-binary, so a missing wheel for any dependency fails instead of
compiling. The tests run from a scratch copy of tests/, benchmarks/ and the pytest settings, so
`import pymsg` can only find the installed wheel; the run checks that too. Prints the time pip
takes to install the wheel itself (its dependencies already in place, nothing downloaded).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_wheels import ROOT, find_python  # noqa: E402

COMPILER = re.compile(r"^(cc|c\+\+|cpp|c89|c99|gcc|g\+\+|clang|clang\+\+|zig|tcc|icc|icpx)(-[\d.]+)?$|-(gcc|g\+\+|cc|c\+\+)(-[\d.]+)?$|^clang")


def path_without_compilers(folder: Path) -> str:
    """A folder of links to every program on PATH except compilers, as the whole new PATH."""
    folder.mkdir()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            program = Path(directory, name)
            if COMPILER.search(name) or (folder / name).exists() or not os.access(program, os.X_OK):
                continue
            (folder / name).symlink_to(program)
    return str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path)
    args = parser.parse_args(argv)
    wheel = args.wheel.resolve()
    tag = re.search(r"-cp(\d)(\d+)-", wheel.name)
    if tag is None:
        sys.exit(f"test_wheel: {wheel.name} names no CPython version")
    version = f"{tag[1]}.{tag[2]}"

    with tempfile.TemporaryDirectory(prefix="pymsg-wheel-") as scratch:
        scratch_dir = Path(scratch)
        venv = scratch_dir / "venv"
        subprocess.run([str(find_python(version)), "-m", "venv", str(venv)], check=True)
        path = os.pathsep.join([str(venv / "bin"), path_without_compilers(scratch_dir / "bin")])
        env = {k: v for k, v in os.environ.items() if k not in {"CC", "CXX", "CFLAGS", "CXXFLAGS", "PYTHONPATH"}}
        env.update(PATH=path, VIRTUAL_ENV=str(venv))
        found = [c for c in ("cc", "c++", "gcc", "g++", "clang", "clang++") if shutil.which(c, path=path)]
        if found:
            sys.exit(f"test_wheel: compilers still on PATH: {found}")

        def run(*command: str, cwd: Path = scratch_dir) -> float:
            began = time.perf_counter()
            subprocess.run(command, check=True, env=env, cwd=cwd)
            return time.perf_counter() - began

        python = str(venv / "bin" / "python")
        pip = [python, "-m", "pip", "-q", "--disable-pip-version-check"]
        run(*pip, "install", "--only-binary", ":all:", f"{wheel}[test]")
        seconds = run(*pip, "install", "--force-reinstall", "--no-deps", "--no-index", str(wheel))
        print(f"test_wheel: pip installed {wheel.name} in {seconds:.1f} s (no compiler on PATH)", flush=True)

        project = scratch_dir / "project"
        project.mkdir()
        for name in ("tests", "benchmarks"):
            shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "results"))
        shutil.copy2(ROOT / "pyproject.toml", project)
        where = subprocess.run([python, "-c", "import pymsg; print(pymsg.__file__)"], check=True, env=env,
                               cwd=project, capture_output=True, text=True).stdout.strip()
        if not where.startswith(str(venv)):
            sys.exit(f"test_wheel: pymsg was imported from {where}, not from the wheel")
        # Two workers (pytest-xdist, in the test extra): the suite runs three times in CI, and this halves two of them.
        seconds = run(python, "-m", "pytest", "-q", "--benchmark-disable", "-p", "no:cacheprovider", "-n", "2",
                      cwd=project)
        print(f"test_wheel: the suite passed on Python {version} against {where} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
