"""The code stays as the house style asks: ruff (lint and format) and mypy --strict on bot/."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ruff_finds_nothing() -> None:
    lint = _run("ruff", "check", "bot", "tests", "bench")
    assert lint.returncode == 0, lint.stdout
    style = _run("ruff", "format", "--check", "bot", "tests", "bench")
    assert style.returncode == 0, style.stdout


def test_mypy_strict_passes() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout
