"""Lifecycle of a customer (状态): which status changes are allowed.

::

    draft -> pending -> active <-> frozen
                 |        ^  \\-> disabled -> active
                 v        |
              (rejected: draft)
    any but deleted -> deleted -> (restore) previous status
"""

from __future__ import annotations

import enum

from custrecord.errors import CustrecordError
from custrecord.model import Status

__all__ = ["InvalidTransition", "Transition", "next_status"]


class Transition(enum.StrEnum):
    """Status-changing operations of the book."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    DISABLE = "disable"
    ENABLE = "enable"
    DELETE = "delete"


class InvalidTransition(CustrecordError):
    """A status change that the lifecycle does not allow, such as approving an active customer."""

    def __init__(self, code: str, status: Status, transition: Transition) -> None:
        self.code = code
        self.status = status
        self.transition = transition
        super().__init__(f"customer {code} is {status.value}; cannot {transition.value} it")


_ALLOWED: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.SUBMIT: (frozenset({Status.DRAFT}), Status.PENDING),
    Transition.APPROVE: (frozenset({Status.PENDING}), Status.ACTIVE),
    Transition.REJECT: (frozenset({Status.PENDING}), Status.DRAFT),
    Transition.FREEZE: (frozenset({Status.ACTIVE}), Status.FROZEN),
    Transition.UNFREEZE: (frozenset({Status.FROZEN}), Status.ACTIVE),
    Transition.DISABLE: (frozenset({Status.ACTIVE, Status.FROZEN}), Status.DISABLED),
    Transition.ENABLE: (frozenset({Status.DISABLED}), Status.ACTIVE),
    Transition.DELETE: (frozenset(set(Status) - {Status.DELETED}), Status.DELETED),
}


def next_status(code: str, current: Status, transition: Transition) -> Status:
    """The status after ``transition``; raises :class:`InvalidTransition` when not allowed."""
    sources, target = _ALLOWED[transition]
    if current not in sources:
        raise InvalidTransition(code, current, transition)
    return target
