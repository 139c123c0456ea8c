"""What ``import custrecord`` costs: the median of fresh interpreters, and where the time goes.

Runs ``python -X importtime -c "import custrecord"`` ``--n`` times, each in a new
interpreter, and prints the median cumulative time of the ``custrecord`` import
(interpreter start-up and ``site`` are not counted) and the median CPU time it
took (steadier than -X importtime's wall-clock figures on a busy machine), then
the modules it loads with the biggest median self time. The exit status is 1
when the median misses ``--target`` milliseconds (50).

    .venv/bin/python benchmarks/import_time.py
    .venv/bin/python benchmarks/import_time.py --n 30 --top 25
    .venv/bin/python benchmarks/import_time.py --module custrecord.validation
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Sequence


def import_block(stderr: str, module: str) -> list[tuple[str, int, int]]:
    """(name, self µs, cumulative µs) of ``module`` and every module its import loaded, from -X importtime.

    importtime prints a module after the modules it imports, indented by depth: the
    block of ``module`` is the run of deeper lines just before its own line.
    """
    rows: list[tuple[int, str, int, int]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        if not self_us.strip().isdigit():
            continue  # the header line
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((depth, name.strip(), int(self_us), int(cumulative_us)))
    for end in range(len(rows) - 1, -1, -1):
        depth, name, _, _ = rows[end]
        if name == module:
            start = end
            while start > 0 and rows[start - 1][0] > depth:
                start -= 1
            return [(n, s, c) for _, n, s, c in rows[start : end + 1]]
    raise SystemExit(f"{module} was not imported: {stderr[-500:]}")


_TIMED = "import time; t = time.process_time(); import {0}; print(time.process_time() - t)"


def run_once(module: str) -> tuple[float, list[tuple[str, int, int]]]:
    """The CPU seconds of one fresh ``import module``, and its -X importtime block."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _TIMED.format(module)],
        capture_output=True, text=True, check=True,
    )
    return float(done.stdout), import_block(done.stderr, module)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=15, help="fresh interpreters (default 15)")
    parser.add_argument("--top", type=int, default=15, help="modules to list by self time (default 15)")
    parser.add_argument("--module", default="custrecord", help="the module to import (default custrecord)")
    parser.add_argument("--target", type=float, default=50.0, help="milliseconds the median must not pass")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be positive")

    totals: list[int] = []
    cpu: list[float] = []
    selves: dict[str, list[int]] = {}
    for _ in range(args.n):
        seconds, block = run_once(args.module)
        cpu.append(seconds)
        totals.append(block[-1][2])
        for name, self_us, _ in block:
            selves.setdefault(name, []).append(self_us)
    median_ms = statistics.median(totals) / 1000
    print(f"import {args.module}: median {median_ms:.1f} ms over {args.n} fresh interpreters "
          f"(min {min(totals) / 1000:.1f}, max {max(totals) / 1000:.1f}); "
          f"CPU time median {statistics.median(cpu) * 1000:.1f} ms (min {min(cpu) * 1000:.1f})")
    print(f"modules loaded: {len(selves)}; biggest median self time:")
    # A module missing from some runs counts as 0 there (it was imported before, by another path).
    medians = {name: statistics.median(v + [0] * (args.n - len(v))) for name, v in selves.items()}
    for name in sorted(medians, key=lambda name: -medians[name])[: args.top]:
        print(f"  {medians[name] / 1000:7.2f} ms  {name}")
    verdict = "meets" if median_ms <= args.target else "MISSES"
    print(f"median {median_ms:.1f} ms {verdict} the target {args.target:.0f} ms")
    return 0 if median_ms <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
