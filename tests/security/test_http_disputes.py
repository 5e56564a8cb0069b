"""A partner refused as a duplicate may dispute, but is never told who holds the customer; the arbiter is."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from referee_shared.auth import Role

from ..arbitration_builders import DEALER_A, DEALER_B, DEALER_C, building_materials_case, open_court


async def test_the_dispute_answer_does_not_name_the_holder_and_the_system_finds_the_respondent(
    tmp_path: Path,
) -> None:
    async with open_court(tmp_path) as court:
        case = building_materials_case(court.clock.now() - timedelta(days=33))
        court.hear(case)
        # The claimant guesses a respondent; the trail, not the claimant, says who holds the customer.
        body = {"respondent_ids": [DEALER_C], "customer_key": case.chain, "claim": "We met them first, in January."}
        async with (
            court.client(Role.PARTNER, partner_id=DEALER_B) as claimant,
            court.client(Role.PARTNER, partner_id=DEALER_A) as holder,
            court.client(Role.ARBITER) as arbiter,
        ):
            opened = await claimant.post("/disputes", json=body)
            assert opened.status_code == 201, opened.text
            dispute_id = opened.json()["summary"]["dispute_id"]
            for answer in (opened, await claimant.get(f"/disputes/{dispute_id}"), await claimant.get("/disputes")):
                assert DEALER_A not in answer.text
            seen = opened.json()
            assert seen["holder_id"] == "respondent"
            assert seen["summary"]["respondent_ids"] == ["respondent"]

            staff_view = (await arbiter.get(f"/disputes/{dispute_id}")).json()
            assert staff_view["holder_id"] == DEALER_A
            assert staff_view["summary"]["respondent_ids"] == [DEALER_A]  # not the DEALER_C the claimant named

            # The holder is a party: it sees the dispute and may answer it.
            assert (await holder.get(f"/disputes/{dispute_id}")).status_code == 200
            answered = await holder.post(f"/disputes/{dispute_id}/statements", json={"text": "We registered first."})
            assert answered.status_code == 201, answered.text
            statements = (await claimant.get(f"/disputes/{dispute_id}")).json()["statements"]
            assert [s["party_id"] for s in statements] == ["respondent"]
