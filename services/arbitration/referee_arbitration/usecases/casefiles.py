"""Reading disputes: the lists each caller may see, one case file, and the figures."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from referee_shared.auth import Principal, Role
from referee_shared.outbox import Transactions
from referee_shared.regions import UNKNOWN_REGION

from ..domain.figures import AcceptedRegistration, DisputeFact, FigureRow, Period, figures
from ..domain.status import DisputeStatus
from ..redaction import hidden_from, redact
from ..store import DisputeRepository, RegistrationRepository
from ..views.disputes import CaseFileView, DisputeSummary, case_file_view
from .access import Refused, is_staff, may_see
from .gathering import case_evidence


class CaseFiles:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def listing(self, principal: Principal, *, status: str | None) -> list[DisputeSummary]:
        party = principal.partner_id if principal.role is Role.PARTNER else None
        async with self._tx.sessions() as session:
            found = await DisputeRepository(session).listing(party_id=party, status=status)
        return [redact(DisputeSummary.of(d), hidden_from(principal, d)) for d in found if may_see(principal, d)]

    async def case_file(self, principal: Principal, dispute_id: UUID) -> CaseFileView:
        async with self._tx.sessions() as session:
            disputes = DisputeRepository(session)
            dispute = await disputes.get(dispute_id)
            if dispute is None or not may_see(principal, dispute):
                raise Refused(404, f"no dispute {dispute_id}")
            bundle, verdicts = case_evidence(dispute)
            view = case_file_view(
                dispute,
                steps=await disputes.steps(dispute_id),
                statements=await disputes.statements(dispute_id),
                rulings=await disputes.rulings(dispute_id),
                bundle=bundle,
                verdicts=verdicts,
                with_evidence=is_staff(principal),
            )
            return redact(view, hidden_from(principal, dispute))

    async def figures(self, *, period: Period, since: datetime, until: datetime) -> list[FigureRow]:
        """Opened, refused, escalated, resolved, median hours to ruling and conflict rate by region and channel."""
        async with self._tx.sessions() as session:
            disputes = await DisputeRepository(session).all_since(since)
            accepted = await RegistrationRepository(session).accepted_between(since, until)
        facts = [
            DisputeFact(
                opened_at=d.opened_at,
                region=d.region,
                channel=d.channel,
                refused=d.state is DisputeStatus.REFUSED,
                escalated_at=d.escalated_at,
                ruled_at=d.ruled_at,
                final_at=d.final_at,
            )
            for d in disputes
        ]
        registrations = [
            AcceptedRegistration(r.decided_at, r.region or UNKNOWN_REGION, r.channel or "unknown")
            for r in accepted
            if r.decided_at is not None
        ]
        return figures(facts, registrations, period=period, since=since, until=until)
