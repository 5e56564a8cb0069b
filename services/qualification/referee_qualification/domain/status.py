"""A qualification's life: pending review, then approved or rejected; an approved one expires or is revoked."""

from __future__ import annotations

from enum import StrEnum


class QualificationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REVOKED = "revoked"


_NEXT: dict[QualificationStatus, frozenset[QualificationStatus]] = {
    QualificationStatus.PENDING: frozenset({QualificationStatus.APPROVED, QualificationStatus.REJECTED}),
    QualificationStatus.APPROVED: frozenset({QualificationStatus.EXPIRED, QualificationStatus.REVOKED}),
}

# A certificate in one of these states already has its review (or its validity): a second one starts none.
LIVE = frozenset({QualificationStatus.PENDING, QualificationStatus.APPROVED})


class IllegalTransition(Exception):
    """A change the life of a qualification does not allow, e.g. revoking one that was never approved."""


def transition(current: QualificationStatus, target: QualificationStatus) -> QualificationStatus:
    """``target`` if a qualification may go there from ``current``; IllegalTransition saying why otherwise."""
    if target not in _NEXT.get(current, frozenset()):
        allowed = ", ".join(sorted(_NEXT.get(current, frozenset()))) or "nothing (it is final)"
        raise IllegalTransition(f"a {current} qualification cannot become {target}; it may become {allowed}")
    return target
