"""Per-conversation locks: one holder at a time per key, forgotten when free."""

import asyncio

from services.web.locks import KeyedLocks


async def test_same_key_waits_other_keys_do_not() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def work(key: str, name: str, pause: float) -> None:
        async with locks.hold(key):
            order.append(f"{name}:start")
            await asyncio.sleep(pause)
            order.append(f"{name}:end")

    await asyncio.gather(work("a", "a1", 0.05), work("a", "a2", 0), work("b", "b1", 0))
    assert order.index("a1:end") < order.index("a2:start")
    assert order.index("b1:end") < order.index("a1:end")
    assert len(locks) == 0


async def test_lock_is_released_when_the_holder_fails() -> None:
    locks = KeyedLocks()
    try:
        async with locks.hold("a"):
            raise RuntimeError("échec")
    except RuntimeError:
        pass
    async with asyncio.timeout(1), locks.hold("a"):
        assert len(locks) == 1
    assert len(locks) == 0
