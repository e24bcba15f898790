"""Prometheus counters of the web channels (exposed on /metrics)."""

from prometheus_client import Counter

CONTACT_DISCARDED = Counter(
    "relais_web_contact_discarded_total",
    "Contact form posts answered but not published (robots, rate limit)",
    ["reason"],
)
WEBHOOK_MESSAGES = Counter(
    "relais_web_messages_total",
    "Facebook and chatbot messages by outcome",
    ["channel", "outcome"],
)
