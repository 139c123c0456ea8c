"""Exit codes of the ``custrecord`` command line (SPEC 5)."""

__all__ = ["EXIT_DATA", "EXIT_OK", "EXIT_USAGE"]

#: Success.
EXIT_OK = 0
#: The data has problems.
EXIT_DATA = 1
#: Usage or file errors.
EXIT_USAGE = 2
