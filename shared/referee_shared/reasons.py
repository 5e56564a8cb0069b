"""Every reason code Referee can give, with its meaning in Chinese and English: the one source.

A reason names the fields that carry it (``<event type>.<field>``, ``deadletter.reason_code`` or
``http`` for API refusals and the lead record); the JSON Schemas enumerate each field's codes from
here, ``docs/contract.md`` and the client kits print them, and a test reads the services' code to find
every code they can emit and fails on one missing here. The vocabularies of statuses are here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

LEAD_DECISION = "lead.decision.reason_code"
DEDUP_VERDICT = "dedup.verdict.reason_code"
QUALIFICATION_VERDICT = "qualification.verdict.reason_code"
DISPUTE_PROGRESS = "dispute.progressed.reason_code"
DEAD_LETTER = "deadletter.reason_code"
HTTP = "http"


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str
    family: str
    on: tuple[str, ...]


def _reasons(family: str, on: Iterable[str], *entries: tuple[str, str, str]) -> tuple[Reason, ...]:
    fields = tuple(on)
    return tuple(Reason(code, zh, en, family, fields) for code, zh, en in entries)


_DECIDED = (LEAD_DECISION, DEDUP_VERDICT)

REASONS: tuple[Reason, ...] = (
    *_reasons(
        "intake",
        (LEAD_DECISION,),
        (
            "first_valid_claim",
            "首个有效报备，客户受保护",
            "the first valid registration of this customer: accepted and protected",
        ),
        (
            "unknown_partner",
            "报备方不是已登记的伙伴",
            "the partner is not registered with Referee; ask the channel admin",
        ),
        ("partner_suspended", "伙伴已被暂停，不能报备", "the partner is suspended and may not register customers"),
        (
            "outside_partner_regions",
            "客户不在伙伴档案的区域内",
            "the customer is outside the regions of the partner's record",
        ),
        ("unknown_product_line", "没有适用于该产品线的规则", "no rule set governs this product line at this time"),
    ),
    *_reasons(
        "intake",
        (HTTP,),
        (
            "transferred_by_ruling",
            "仲裁裁决将客户转给了本线索",
            "the customer was transferred to this lead by a ruling",
        ),
    ),
    *_reasons(
        "limits",
        (LEAD_DECISION,),
        (
            "submission_rate_limit",
            "一小时内报备次数已达上限",
            "too many registrations by this partner in the last hour",
        ),
        ("open_locks_limit", "同时锁定的客户数已达上限", "the partner holds as many locked customers as it may"),
    ),
    *_reasons(
        "limits",
        _DECIDED,
        (
            "cooling_off",
            "放弃保护后冷静期未满，暂不能再次报备",
            "the partner gave this customer up too recently to lock it again",
        ),
    ),
    *_reasons(
        "limits",
        (HTTP,),
        ("statement_too_long", "陈述超过允许的字数", "a dispute statement longer than the rules allow (HTTP 413)"),
        (
            "statement_limit",
            "本争议中陈述次数已达上限",
            "the party made as many statements on this dispute as allowed (HTTP 429)",
        ),
    ),
    *_reasons(
        "dedup",
        (DEDUP_VERDICT,),
        ("unique", "新客户，无人报备", "a customer nobody registered before"),
        ("known_customer_unprotected", "已知客户，当前无人保护", "a known customer nobody protects now"),
    ),
    *_reasons(
        "dedup",
        _DECIDED,
        ("duplicate", "客户已被其他报备保护", "the customer is already protected by another registration"),
        ("possible_duplicate", "疑似重复，待审核员判定", "possibly a customer already protected: held for a reviewer"),
        (
            "cross_region_review",
            "靠近其他区域的受保护客户，待审核",
            "near another region's protected customer: held for a reviewer",
        ),
        (
            "cross_region_radius",
            "距其他区域受保护客户过近",
            "within the cross-region radius of another region's protected customer",
        ),
        ("tier_channel", "该金额档位属于其他渠道", "the opportunity's size puts it in a tier of another channel"),
        ("out_of_region", "客户在伙伴允许的区域之外", "the customer is outside the partner's permitted regions"),
        (
            "region_unknown",
            "无法判断客户所在区域，请补充省市区或坐标",
            "the customer's place is too vague to check the regions",
        ),
        ("slice_bound", "该客户的此部分已绑定给其他伙伴", "this slice of the account is bound to another partner"),
        ("related", "属于其他伙伴保护的集团客户的分支", "a branch of an organisation another partner protects"),
    ),
    *_reasons(
        "qualification",
        (QUALIFICATION_VERDICT,),
        ("qualified", "持有有效资质", "holds a valid, approved qualification"),
        ("no_qualification_required", "该产品线无需资质", "the product line needs no qualification"),
    ),
    *_reasons(
        "qualification",
        (QUALIFICATION_VERDICT, LEAD_DECISION),
        ("not_qualified", "缺少有效的资质证书", "no valid, approved qualification for the product line"),
    ),
    *_reasons(
        "arbitration",
        (DISPUTE_PROGRESS,),
        ("no_subject", "争议未指明线索或客户", "a dispute must name the contested lead or customer"),
        ("claimant_is_respondent", "申请方不能针对自己", "the claimant names itself as a respondent"),
        ("repeated_respondent", "被申请方重复", "a respondent is named more than once"),
        ("unknown_subject", "没有该客户或线索的记录", "nothing is recorded about the contested lead or customer"),
        ("not_involved", "申请方未报备或跟进过该客户", "the claimant neither registered nor followed up this customer"),
        ("already_open", "已有关于该客户的未结争议", "the claimant already has a dispute open about this customer"),
        ("no_rules", "无法确定适用的规则", "the rules governing the dispute cannot be chosen"),
        ("chain_broken", "证据链校验失败", "the evidence trail's hash chain does not verify"),
        ("deadline_passed", "审核期限已过，升级至总部", "the reviewer did not rule in time: escalated to HQ"),
        ("appealed", "一方已上诉，升级至总部", "a party appealed the ruling: escalated to HQ"),
    ),
    *_reasons(
        "trust",
        (DEAD_LETTER,),
        ("unknown_producer", "消息的生产方未登记", "the message's producer is not in the producer registry"),
        (
            "bad_signature",
            "签名缺失或与生产方的密钥不符",
            "the signature is missing or does not match the producer's keys",
        ),
        ("may_not_write", "生产方无权写入该主题", "the producer may not write this topic"),
    ),
    *_reasons(
        "trust",
        (DEAD_LETTER, LEAD_DECISION),
        ("may_not_speak_for", "生产方无权代表该伙伴", "the producer may not speak for the partner the message names"),
    ),
    *_reasons(
        "dead_letter",
        (DEAD_LETTER,),
        ("tombstone", "消息没有内容", "a record without a value"),
        ("not_json", "消息不是可读的 JSON", "the value is not JSON the service can read"),
        ("not_an_object", "消息不是 JSON 对象", "the value is JSON but not an object"),
        ("unknown_type", "该主题不接受此事件类型", "an event type this topic does not carry"),
        ("unknown_version", "不支持的 schema 版本", "a schema version Referee does not accept"),
        ("invalid_payload", "消息不符合其 schema", "the envelope or payload does not match its schema"),
        ("unknown_lead", "引用了 Referee 不知道的线索", "the message names a lead Referee does not know"),
        ("owner_not_lock_holder", "成交归属与线索持有方不符", "a won deal names an owner who does not hold the lead"),
        (
            "channel_mismatch",
            "成交申报的渠道与伙伴档案不符",
            "a deal declares a channel other than the partner registry's",
        ),
        ("unknown_dispute", "裁决引用了仲裁从未受理的争议", "a ruling names a dispute arbitration never opened"),
        ("dispute_not_open", "争议已被驳回或已执行裁决", "the ruling's dispute was refused or already acted on"),
        ("ruling_not_announced", "仲裁从未公布该裁决", "no such ruling step was announced on disputes.events"),
        ("arbiter_not_authorised", "裁决人是争议一方，无权裁决", "the arbiter is a party to the dispute"),
        ("not_a_party", "裁决涉及争议以外的伙伴", "the ruling moves a lead held by, or gives it to, a non-party"),
        (
            "unprocessable",
            "内容与 Referee 的记录矛盾，详见原因",
            "valid, but contradicts Referee's records: see the reason",
        ),
        ("handler_failed", "多次处理失败", "processing failed on every attempt"),
        (
            "not_yet",
            "所依赖的消息在重试期限内一直没有到达",
            "what the message depends on never arrived within the retry bound",
        ),
        (
            "bad_retry_record",
            "重试主题上的记录缺少或损坏了重试标记",
            "a record on a retry topic without a valid retry stamp",
        ),
    ),
)

BY_CODE: dict[str, Reason] = {}
for _reason in REASONS:
    if _reason.code in BY_CODE:
        raise ValueError(f"reason code {_reason.code} is catalogued twice")
    BY_CODE[_reason.code] = _reason


def codes_on(field: str) -> list[str]:
    """The codes that may appear in ``field`` (e.g. ``lead.decision.reason_code``), in catalogue order."""
    return [r.code for r in REASONS if field in r.on]


def enumerated(field: str, description: str) -> dict[str, Any]:
    """``json_schema_extra`` of a free-text code field: the schema lists the catalogue's codes for it.

    The model keeps accepting any string (a code added later must never crash a consumer); the schema
    tells integrators every value they can receive.
    """
    return {"enum": codes_on(field), "description": description + " (see the reason-code table of docs/contract.md)"}


# Vocabularies of the status fields (kept equal to the services' own enums by a test).
LEAD_STATUSES = (
    "submitted",
    "checking",
    "accepted",
    "rejected",
    "held",
    "contacted",
    "qualified",
    "proposal",
    "negotiation",
    "won",
    "lost",
    "withdrawn",
    "expired",
    "transferred",
)
QUALIFICATION_STATUSES = ("pending", "approved", "rejected", "expired", "revoked")
PARTNER_STATUSES = ("active", "suspended")
# Settlement's API (GET /settlement/deals/{deal_id}): a line's payment_status, a statement's and a deal's status.
PAYMENT_STATUSES = ("pending", "paid", "failed")
STATEMENT_STATUSES = ("draft", "awaiting_approval", "rejected", "withdrawn", "issued", "reversed")
DEAL_STATUSES = ("won", "lost", "reversed")
TASK_CLOSING_OUTCOMES = ("escalated", "expired", "withdrawn")
"""besides one of the task's own ``choices``"""


def statuses(values: tuple[str | None, ...], description: str) -> dict[str, Any]:
    return {"enum": list(values), "description": description}
