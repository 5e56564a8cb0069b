"""The human-readable rendering of an evidence bundle, for arbiters reading a case and for the CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.evidence import RecordKind
from .evidence import EvidenceBundle, RecordView, VerificationView


def render_bundle(bundle: EvidenceBundle) -> str:
    lines = [
        f"Evidence trail {bundle.chain} ({bundle.requested})",
        f"generated {_time(bundle.generated_at)}; {len(bundle.records)} records; digest {bundle.digest}",
        render_verification(bundle.verification),
        "",
        "Leads:",
        *[
            f"  {lead.lead_id}  {lead.partner_id} ({lead.channel})  {lead.status}"
            f"  received {_time(lead.received_at)}" + (f"  [{lead.reason_code}]" if lead.reason_code else "")
            for lead in bundle.leads
        ],
        "Locks:",
        *[
            f"  {lock.lock_id}  {lock.partner_id}  {lock.status}  {_time(lock.starts_at)} -> {_time(lock.expires_at)}"
            f"  rule {lock.rule_set}@{lock.rule_version}"
            for lock in bundle.locks
        ],
        "",
        "Records (system time, actor, what happened, rule):",
    ]
    for record in bundle.records:
        rule = f"  rule {record.rule_set}@{record.rule_version}" if record.rule_set else ""
        lines.append(f"#{record.seq:<4} {_time(record.recorded_at)}  {record.kind:<20} by {record.actor}{rule}")
        lines.append(f"      {_describe(record)}")
        lines.append(f"      hash {record.hash[:16]}…  after {record.prev_hash[:16]}…")
    return "\n".join(lines) + "\n"


def render_verification(verification: VerificationView) -> str:
    anchored = f", against {verification.anchors_checked} signed checkpoint(s)" if verification.anchors_checked else ""
    if verification.intact:
        return f"chain {verification.chain}: intact, {verification.checked} records checked{anchored}"
    lines = [f"chain {verification.chain}: TAMPERED, {len(verification.findings)} problem(s)"]
    lines += [f"  {finding.problem.upper()}: {finding.detail}" for finding in verification.findings]
    return "\n".join(lines)


def _describe(record: RecordView) -> str:
    describe = _DESCRIPTIONS.get(record.kind)
    try:
        return describe(record.content) if describe else _generic(record.content)
    except (KeyError, TypeError):  # an altered record may miss fields; show what is there
        return _generic(record.content)


def _generic(content: dict[str, Any]) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted(content.items()))


def _registered(c: dict[str, Any]) -> str:
    customer = c["customer"]
    claimed = f" (partner's clock said {c['partner_claimed_at']})" if c.get("partner_claimed_at") else ""
    return (
        f"lead {c['lead_id']} registers {customer.get('name')} [{customer.get('uscc') or 'no USCC'}]"
        f" for {c['product_line']}, {c['estimated_amount']} {c['currency']}; received {c['received_at']}{claimed}"
    )


def _decided(c: dict[str, Any]) -> str:
    lock = f"; locked until {c['expires_at']}" if c.get("expires_at") else ""
    until = f"; protected until {c['protected_until']}" if c.get("protected_until") else ""
    matched = ", ".join(f"{m['field']} {m['score']}" for m in c.get("explanation") or [])
    return f"{c['outcome']} ({c['reason_code']}): {c['reason']}{lock}{until}" + (
        f"; matched {matched}" if matched else ""
    )


def _activity(c: dict[str, Any]) -> str:
    where = f" at {c['location']['lat']},{c['location']['lon']}" if c.get("location") else ""
    files = f"; {len(c['attachments'])} attachment(s)" if c.get("attachments") else ""
    return f"{c['kind']}{where}: {c['summary']} (received {c['received_at']}){files}"


_DESCRIPTIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    RecordKind.REGISTERED: _registered,
    RecordKind.DECIDED: _decided,
    RecordKind.ACTIVITY: _activity,
    RecordKind.STAGE_MOVED: lambda c: f"stage {c['from']} -> {c['to']}" + (f": {c['note']}" if c.get("note") else ""),
    RecordKind.LOCK_EXTENDED: lambda c: f"protection extended to {c['expires_at']}: {c['reason']}",
    RecordKind.EXTENSION_REQUESTED: lambda c: f"asks {c['days']} more days ({c['reason']}); task {c['task_id']}",
    RecordKind.EXTENSION_CLOSED: lambda c: f"extension {c['outcome']}: {c['reason']}; expiry {c['expires_at']}",
    RecordKind.LOCK_ENDED: lambda c: f"lock {c['status']}: {c['reason']}",
    RecordKind.LOCK_TRANSFERRED: lambda c: (
        f"lock transferred from {c['previous_partner_id']} to {c['partner_id']} until {c['expires_at']}: {c['reason']}"
    ),
    RecordKind.DEAL_CLOSED: lambda c: f"deal {c['deal_id']} {c['outcome']}, {c['amount']} {c['currency']}",
    RecordKind.RULING: lambda c: f"ruling {c['outcome']} on dispute {c['dispute_id']}: {c['reason']}",
}


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
