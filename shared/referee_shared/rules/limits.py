"""Fair limits: how much one partner may ask of the referee, so nobody wins by volume."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LimitRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    submissions_per_hour: int = Field(
        default=20, ge=1, description="registrations one partner may submit in any hour; more are refused"
    )
    open_locks: int = Field(default=200, ge=1, description="customers one partner may hold locked at once")
    cooling_off_days: int = Field(
        default=30,
        ge=0,
        description="after a partner's lock on a customer is withdrawn or expires, days before it may lock it again",
    )
    dispute_statements: int = Field(default=5, ge=1, description="statements one party may add to one dispute")
    statement_max_chars: int = Field(default=2000, ge=1, description="characters in one dispute statement")


class LimitRefusal(BaseModel):
    """A refusal that names the limit: reason code, the rule (``limits.<name>`` of id@version) and the text."""

    reason_code: str
    rule: str
    reason: str


def refusal(reason_code: str, rule_ref: str, name: str, value: int, what: str) -> LimitRefusal:
    rule = f"limits.{name} {value} ({rule_ref})"
    return LimitRefusal(reason_code=reason_code, rule=rule, reason=f"{what}; rule {rule}")


def check_submission(
    limits: LimitRules, rule_ref: str, *, submitted_last_hour: int, open_locks: int
) -> LimitRefusal | None:
    """Refuse a partner's new registration over its hourly cap or its cap of open locks."""
    if submitted_last_hour >= limits.submissions_per_hour:
        return refusal(
            "submission_rate_limit",
            rule_ref,
            "submissions_per_hour",
            limits.submissions_per_hour,
            f"{submitted_last_hour} registrations in the last hour already; try again later",
        )
    if open_locks >= limits.open_locks:
        return refusal(
            "open_locks_limit",
            rule_ref,
            "open_locks",
            limits.open_locks,
            f"{open_locks} customers locked already; withdraw or close some first",
        )
    return None
