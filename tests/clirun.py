"""Running the command line in a child process, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m custrecord ARGS``: its exit code, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "custrecord", *args], capture_output=True, text=True, cwd=cwd, timeout=180
    )
