"""What a user checks first about the installed distribution: its name, its one version number,
the `pymsg` command and the licence it ships."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pymsg

DISTRIBUTION = "pymsg-broker"  # "pymsg" on PyPI is an unrelated project


def test_version_is_the_distributions() -> None:
    assert pymsg.__version__ == metadata.version(DISTRIBUTION)


def test_version_flag_prints_it() -> None:
    shown = subprocess.run([sys.executable, "-m", "pymsg", "--version"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == f"pymsg {pymsg.__version__}"


def test_pymsg_command_is_installed() -> None:
    scripts = {e.name: e.value for e in metadata.distribution(DISTRIBUTION).entry_points if e.group == "console_scripts"}
    assert scripts == {"pymsg": "pymsg.__main__:main"}


def test_licence_is_declared_and_shipped() -> None:
    dist = metadata.distribution(DISTRIBUTION)
    assert dist.metadata["License-Expression"] == "Apache-2.0"
    shipped = [f for f in dist.files or [] if f.name == "LICENSE"]
    assert shipped and "Apache License" in shipped[0].read_text()
    assert dist.metadata["Requires-Python"] == ">=3.9"
