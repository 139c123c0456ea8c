"""``python -m custrecord`` runs the command line."""

from __future__ import annotations

import sys

from custrecord.cli import main as run


def main() -> None:
    """Entry point of the ``custrecord`` script."""
    sys.exit(run())


if __name__ == "__main__":
    main()
