"""The contact form's sliding-window rate limiter and its settings syntax."""

import pytest
from pydantic import ValidationError

from services.web.ratelimit import RateLimit, SlidingWindowLimiter
from services.web.settings import WebSettings


@pytest.mark.parametrize(
    ("spec", "limit", "window_s"),
    [
        ("5/minute", 5, 60),
        ("5/min", 5, 60),
        ("20/hour", 20, 3600),
        ("100/day", 100, 86400),
        ("2/second", 2, 1),
        ("3/10s", 3, 10),
        ("1/5minutes", 1, 300),
        (" 10 / 2 hours ", 10, 7200),
        ("5/MINUTE", 5, 60),
    ],
)
def test_rate_limit_syntax(spec: str, limit: int, window_s: int) -> None:
    assert RateLimit.parse(spec) == RateLimit(limit=limit, window_s=window_s)


@pytest.mark.parametrize("spec", ["", "5", "x/minute", "5/week", "5/ms", "0/minute", "5/0s"])
def test_invalid_rate_limits_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        RateLimit.parse(spec)


def test_hits_beyond_the_limit_are_refused_until_the_oldest_leaves_the_window() -> None:
    limiter = SlidingWindowLimiter(RateLimit(limit=3, window_s=60))
    assert [limiter.hit("ip", now=t).allowed for t in (0, 10, 20)] == [True, True, True]
    refused = limiter.hit("ip", now=30)
    assert not refused.allowed
    assert refused.retry_after_s == 30  # the hit at 0 leaves the window at 60
    assert not limiter.hit("ip", now=59.5).allowed
    assert limiter.hit("ip", now=60).allowed
    assert not limiter.hit("ip", now=61).allowed
    assert limiter.hit("ip", now=70).allowed


def test_the_window_slides_rather_than_resets() -> None:
    limiter = SlidingWindowLimiter(RateLimit(limit=2, window_s=60))
    assert limiter.hit("ip", now=50).allowed and limiter.hit("ip", now=59).allowed
    # A fixed minute window would reset at 60; a sliding window still holds both hits.
    verdict = limiter.hit("ip", now=61)
    assert not verdict.allowed and verdict.retry_after_s == 49


def test_refused_hits_do_not_extend_the_wait() -> None:
    limiter = SlidingWindowLimiter(RateLimit(limit=1, window_s=10))
    assert limiter.hit("ip", now=0).allowed
    for t in range(1, 10):
        assert not limiter.hit("ip", now=t).allowed
    assert limiter.hit("ip", now=10).allowed


def test_clients_are_counted_separately() -> None:
    limiter = SlidingWindowLimiter(RateLimit(limit=1, window_s=60))
    assert limiter.hit("203.0.113.1", now=0).allowed
    assert not limiter.hit("203.0.113.1", now=1).allowed
    assert limiter.hit("203.0.113.2", now=1).allowed


def test_retry_after_is_at_least_one_second() -> None:
    limiter = SlidingWindowLimiter(RateLimit(limit=1, window_s=1))
    limiter.hit("ip", now=0)
    assert limiter.hit("ip", now=0.999).retry_after_s == 1


def test_idle_clients_are_forgotten() -> None:
    limiter = SlidingWindowLimiter(RateLimit(limit=5, window_s=60), sweep_every=10)
    for n in range(9):
        limiter.hit(f"client-{n}", now=0)
    assert limiter.tracked_clients == 9
    limiter.hit("late", now=120)  # the tenth hit sweeps clients idle for a whole window
    assert limiter.tracked_clients == 1


def test_settings_read_the_rate_limit_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MONGODB_DATABASE", "DATABASE_PREFIX", "HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONTACT_RATE_LIMIT", "12/hour")
    monkeypatch.setenv("CONTACT_ALLOWED_ORIGINS", "https://www.ville.fr, ,https://x.fr")
    settings = WebSettings()
    assert settings.rate_limit == RateLimit(limit=12, window_s=3600)
    assert settings.allowed_origins == ["https://www.ville.fr", "https://x.fr"]
    assert settings.http_port == 8003 and settings.database_name == "relais_web"


def test_settings_refuse_an_unreadable_rate_limit() -> None:
    with pytest.raises(ValidationError, match="invalid rate limit"):
        WebSettings(contact_rate_limit="5 par minute")
