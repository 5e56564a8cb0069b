"""The case file as an arbiter reads it: plain text, the evidence in chain order, nothing left out."""

from __future__ import annotations

from datetime import datetime

from .disputes import CaseFileView

STAGES = {
    "first_level": "first-level review (regional reviewer)",
    "hq_review": "HQ arbitration",
    "ruled": "ruled; appeal window open",
    "final": "final",
    "refused": "refused",
}


def render_case_file(case: CaseFileView) -> str:
    s = case.summary
    lines = [f"DISPUTE {s.dispute_id}", f"  stage      {STAGES.get(s.status, s.status)}"]
    if s.due_at:
        lines.append(f"  due        {_t(s.due_at)}")
    if s.appeal_until:
        lines.append(f"  appeal by  {_t(s.appeal_until)}")
    lines += [
        f"  rules      {case.rule or '-'}    region {s.region}    channel {s.channel}",
        "",
        "CLAIM",
        f"  {s.claimant_id} (claimant) against {', '.join(s.respondent_ids)}",
        f"  opened     by {case.opened_by} at {_t(s.opened_at)}",
        f"  contested  lead {case.contested_lead_id or '-'}, held by {case.holder_id or 'nobody'}",
        *_wrapped(case.claim),
        *(f"  attached   {a.get('name')} sha256:{str(a.get('sha256'))[:16]}…" for a in case.attachments),
    ]
    if s.refusal_reason:
        lines += ["", f"REFUSED ({s.refusal_code}): {s.refusal_reason}"]
    evidence = case.evidence
    if evidence is not None:
        verdict = "verified intact" if evidence.intact else "DOES NOT VERIFY"
        lines += ["", f"EVIDENCE  chain {evidence.chain}  digest {evidence.digest}", f"  {verdict}"]
        lines += [f"  ! {finding}" for finding in evidence.findings]
        if evidence.gathered_at:
            lines.append(f"  gathered {_t(evidence.gathered_at)}")
        lines += [f"  #{r.seq:<3} {_t(r.recorded_at)}  {r.actor:<18} {r.what}" for r in evidence.trail]
        lines += ["", "LOCK HISTORY"]
        lines += [f"  {_t(lock.at)}  {lock.partner_id:<18} {lock.what}" for lock in evidence.lock_history] or ["  none"]
        lines += ["", "DEDUP VERDICTS"]
        for v in evidence.verdicts:
            lines.append(f"  lead {v.lead_id}: {v.outcome} — {v.reason}")
            lines += [f"      {m.field:<10} {m.score:.2f}  {m.detail}" for m in v.explanation]
        if not evidence.verdicts:
            lines.append("  none")
        lines += [f"  ! {gap}" for gap in evidence.gaps]
    lines += ["", f"STATEMENTS (taken until {_t(case.statements_close_at)})"]
    for statement in case.statements:
        lines.append(f"  {_t(statement.added_at)}  {statement.party_id} ({statement.kind})")
        lines += _wrapped(statement.text, indent="      ")
    if not case.statements:
        lines.append("  none")
    lines += ["", "TIMELINE"]
    lines += [f"  {_t(step.at)}  {step.step:<20} {step.summary}" for step in case.steps]
    lines += ["", "RULINGS"]
    for r in case.rulings:
        state = "final" if r.final else f"appealable until {_t(r.appeal_until)}"
        lines.append(f"  level {r.level}  {r.outcome}  by {r.decided_by} at {_t(r.decided_at)}  ({state})")
        lines += _wrapped(r.reason, indent="      ")
        lines.append(f"      rules {r.rule}; relied on evidence digest {r.evidence_digest}")
        lines += [f"      share {share['party_id']}: {share['ratio']}" for share in r.shares]
    if not case.rulings:
        lines.append("  none yet")
    return "\n".join(lines) + "\n"


def _t(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def _wrapped(text: str, *, indent: str = "  ", width: int = 100) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(indent + line)
    return lines or [indent]
