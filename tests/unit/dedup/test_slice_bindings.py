"""An administrator binds a department of a large account to a partner, through the use case the route calls."""

from __future__ import annotations

import pytest

from referee_dedup.store import CustomerRepository
from referee_dedup.usecases.bindings import CustomerNotFound, NoSliceNamed, SliceBindings

from ...builders import customer
from ..conftest import InMemorySystem
from .test_dedup_service import HOSPITAL, claim, verdict_on


async def test_a_department_bound_twice_under_two_spellings_stays_one_slice(system: InMemorySystem) -> None:
    first = await verdict_on(system, claim("dealer-a", customer(HOSPITAL)))
    bindings = SliceBindings(system.runtimes["dedup"].transactions)

    bound = await bindings.bind(first.customer_key, "心内科", "dealer-b", bound_by="admin-li")
    again = await bindings.bind(first.customer_key, " 心内科 ", "dealer-c", bound_by="admin-li")

    assert bound.slice == again.slice
    assert bound.claim_key == f"{first.customer_key}#{bound.slice}"
    async with system.runtimes["dedup"].transactions.sessions() as session:
        stored = await CustomerRepository(session).bindings(first.customer_key)
    assert [(b.slice, b.partner_id, b.bound_by) for b in stored] == [(bound.slice, "dealer-c", "admin-li")]


async def test_binding_an_unknown_customer_or_no_department_is_refused(system: InMemorySystem) -> None:
    first = await verdict_on(system, claim("dealer-a", customer(HOSPITAL)))
    bindings = SliceBindings(system.runtimes["dedup"].transactions)

    with pytest.raises(CustomerNotFound):
        await bindings.bind("cust-nobody", "心内科", "dealer-b", bound_by="admin-li")
    with pytest.raises(NoSliceNamed):
        await bindings.bind(first.customer_key, "  ", "dealer-b", bound_by="admin-li")
