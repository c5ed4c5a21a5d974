"""Repository hygiene: no runtime file committed, packaging metadata without deprecations."""

from __future__ import annotations

import fnmatch
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_FILES = ("*.lock", "*.db", "*.db-shm", "*.db-wal", "*.db-journal", "ravensearch-jobs*")


def test_no_runtime_file_is_committed() -> None:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    committed = [p for p in listed if any(fnmatch.fnmatch(Path(p).name, g) for g in RUNTIME_FILES)]
    assert committed == []


def test_runtime_files_are_ignored() -> None:
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {"*.lock", "*.db", "ravensearch-jobs*"} <= set(ignored)


def test_license_is_an_spdx_string() -> None:
    # A TOML table is deprecated by setuptools (BuildBackendWarning, removed in 2027).
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    assert "setuptools>=77" in project["build-system"]["requires"]
