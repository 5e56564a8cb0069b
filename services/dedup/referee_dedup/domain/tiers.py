"""Customer tiers by opportunity size, and the channel each tier belongs to."""

from __future__ import annotations

from decimal import Decimal

from referee_shared.rules.tiers import Tier, TierRules


def tier_for(rules: TierRules, amount: Decimal) -> Tier | None:
    """The tier with min_amount <= amount < max_amount (no max: no upper bound)."""
    for tier in rules.tiers:
        if tier.min_amount <= amount and (tier.max_amount is None or amount < tier.max_amount):
            return tier
    return None


def wrong_channel(rules: TierRules, rule_ref: str, amount: Decimal, channel: str) -> str | None:
    """Why this channel may not register an opportunity of this size, or None when it may."""
    tier = tier_for(rules, amount)
    if not rules.enforce_channel or tier is None or tier.channel is None or tier.channel == channel:
        return None
    upper = f" and under {tier.max_amount:,}" if tier.max_amount is not None else ""
    return (
        f"an opportunity of {amount:,} is in tier {tier.name!r} ({tier.min_amount:,} or more{upper}), "
        f"which belongs to the {tier.channel} channel under tiers of {rule_ref}; "
        f"the {channel} channel may not register it"
    )
