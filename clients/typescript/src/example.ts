// How a web portal uses the generated types: a decision narrowed by its topic, its reason explained in Chinese.
import { REASONS, TOPICS, type LeadDecisionEvent, type LeadSubmitted, type ReasonCode, type TopicEvents } from "./contract";

export function explain(decision: LeadDecisionEvent): string {
  const code: ReasonCode = decision.payload.reason_code;
  return `${decision.payload.outcome}: ${REASONS[code].zh} — ${decision.payload.reason}`;
}

export function onDecisions(event: TopicEvents["leads.decisions"]): string {
  return event.payload.outcome === "held" ? "等待审核" : explain(event);
}

export const registration: LeadSubmitted = {
  lead_id: "0b7c52f4-3f1a-4bd8-9c51-8a3e0f7a1d11",
  partner_id: "dealer-hangzhou",
  channel: "dealer",
  customer: { name: "杭州滨江建设有限公司", province: "浙江省", city: "杭州市" },
  product_line: "tiles",
  estimated_amount: "250000.00",
};

export const submittedKey: string = TOPICS["leads.submitted"].key;
