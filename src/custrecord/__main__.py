"""``python -m custrecord`` runs the command line."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``custrecord`` script."""
    from custrecord.cli import main as run

    sys.exit(run())


if __name__ == "__main__":
    main()
