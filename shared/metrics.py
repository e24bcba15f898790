"""Prometheus metrics shared by every service (exposed on /metrics)."""

from prometheus_client import Counter, Histogram

EVENTS_CONSUMED = Counter(
    "relais_events_consumed_total", "Events handled by a consumer", ["group", "type", "outcome"]
)
EVENT_SECONDS = Histogram(
    "relais_event_handling_seconds",
    "Time to handle one event",
    ["group"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DEAD_LETTERS = Counter(
    "relais_dead_letters_total", "Records sent to a dead-letter topic", ["group"]
)
EVENTS_PUBLISHED = Counter(
    "relais_events_published_total", "Events acknowledged by Kafka", ["service", "type"]
)
PUBLISH_FAILURES = Counter(
    "relais_publish_failures_total", "Events Kafka did not acknowledge", ["service"]
)
CONSUMER_RESTARTS = Counter(
    "relais_consumer_restarts_total", "Consumer loops restarted after a crash", ["group"]
)
