"""Binding a slice of a large account (a department, disease area or project) to a partner.

A use case; it belongs with the others in ``usecases`` (kept apart here while that module is split).
"""

from __future__ import annotations

from dataclasses import dataclass

from referee_shared.outbox import Transactions
from referee_shared.rules.dedup import SliceBy

from ..domain.slices import claim_key, slice_of
from ..store import CustomerRepository, SliceBinding


class CustomerNotFound(Exception):
    """No customer with that key."""


class NoSliceNamed(Exception):
    """The department names no slice of its own (empty, or the whole account)."""


@dataclass(frozen=True)
class SliceBound:
    claim_key: str
    slice: str
    partner_id: str


class SliceBindings:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def bind(self, customer_key: str, department: str, partner_id: str, *, bound_by: str) -> SliceBound:
        """Give ``partner_id`` the department's slice of the customer; the slice's name is normalised against
        the slices already bound, so two spellings of one department stay one slice."""
        async with self._tx.begin() as tx:
            customers = CustomerRepository(tx.session)
            if await customers.get(customer_key) is None:
                raise CustomerNotFound(customer_key)
            known = [b.slice for b in await customers.bindings(customer_key)]
            name = slice_of(SliceBy.DEPARTMENT, department, known)
            if name is None or name == "*":
                raise NoSliceNamed(department)
            await customers.bind(
                SliceBinding(
                    customer_key=customer_key,
                    slice=name,
                    partner_id=partner_id,
                    bound_by=bound_by,
                    bound_at=tx.clock.now(),
                )
            )
        return SliceBound(claim_key(customer_key, name), name, partner_id)
