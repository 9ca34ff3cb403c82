"""Shared fixtures: where the real instrument files are, and the CLI to compare with.

Tests that need ``../shared/data`` skip with a message on a user's machine and fail under
``CI=true`` (a skipped check is not a passed one), as the Rust tests do.
"""

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def shared_data() -> pathlib.Path:
    env = os.environ.get("VEGARD_SHARED_DATA")
    return pathlib.Path(env) if env else REPO.parent / "shared" / "data"


def require_shared(*parts: str) -> pathlib.Path:
    """A path under the shared data, or skip (fail under CI=true) when it is missing."""
    p = shared_data().joinpath(*parts)
    if not p.exists():
        msg = f"{p} is missing (set VEGARD_SHARED_DATA or place ../shared/data beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {msg}")
        pytest.skip(f"SKIPPED: {msg}")
    return p


def force_curve_files():
    """Every real force-curve file in the shared data (the files the CLI's scan reads)."""
    d = require_shared()
    patterns = [
        ("forcecurves", "*"),
        ("formats/jpk", "*"),
        ("formats/asylum_ibw", "*.ibw"),
        ("formats/asylum_ibw/igor2_tests", "*.ibw"),
        ("formats/bruker_nanoscope", "*"),
        ("esm", "*.ibw"),
    ]
    files = []
    for folder, pat in patterns:
        files += [p for p in sorted((d / folder).glob(pat)) if p.is_file() and "README" not in p.name]
    return files


@pytest.fixture(scope="session")
def cli() -> str:
    """The vegard command line (VEGARD_CLI, or target/debug/vegard, built if missing)."""
    exe = os.environ.get("VEGARD_CLI") or str(REPO / "target" / "debug" / "vegard")
    if not os.path.exists(exe):
        cargo = shutil.which("cargo")
        if cargo is None:
            pytest.fail("the vegard CLI is not built and cargo is not on PATH")
        subprocess.run([cargo, "build", "-p", "vegard-cli", "--locked"], cwd=REPO, check=True)
        exe = str(REPO / "target" / "debug" / "vegard")
    return exe
