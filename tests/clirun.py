"""Running the command line as a user would: its exit code, stdout and stderr as text.

``run`` calls ``custrecord.cli.main`` in this process, with the working directory and the
standard streams swapped for the call: a child interpreter costs half a second or more of
start-up and import per call (more when bytecode is not cached), and the suite runs the
command line a hundred times. ``run_child`` starts ``python -m custrecord`` for real, for
what only a process shows (the entry point, pipes, signals); set
``CUSTRECORD_TEST_CLI_CHILD=1`` to send every call there.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``custrecord ARGS`` in this process, from ``cwd``."""
    if os.environ.get("CUSTRECORD_TEST_CLI_CHILD"):
        return run_child(*args, cwd=cwd)
    from custrecord.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors, --help
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["custrecord", *args], code, out.getvalue(), err.getvalue())


def run_child(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m custrecord ARGS`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "custrecord", *args], capture_output=True, text=True, cwd=cwd, timeout=180
    )
