"""Changing what is in force: new rule sets, rollbacks (one call), validated first."""

from services.routing.context import NoSuchVersion, Routing, rules_doc
from services.routing.ruleset import RuleSet
from services.routing.store import Activation, Kind


class InvalidRules(ValueError):
    """Rules that do not fit the catalogue; `problems` says why, in French."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class NothingToRollBack(LookupError):
    """The version in force is the first one."""


async def propose_rules(routing: Routing, rules: RuleSet, *, actor: str, reason: str) -> int:
    """Validate, store as a new version and put it in force at once."""
    if problems := rules.problems(routing.catalogue):
        raise InvalidRules(problems)
    version = await routing.store.add_version("rules", rules_doc(rules, actor=actor, reason=reason))
    await routing.store.activate("rules", version, actor=actor, reason=reason)
    await routing.refresh()
    return version


async def rollback(routing: Routing, kind: Kind, *, actor: str, reason: str) -> Activation:
    """Back to the version that was in force before the current one was activated."""
    current = await routing.store.active(kind)
    origin = await routing.store.first_activation(kind, current.version) if current else None
    if origin is None or origin.previous is None:
        raise NothingToRollBack(kind)
    if await routing.store.version(kind, origin.previous, blob=False) is None:
        raise NoSuchVersion(f"{kind} v{origin.previous}")
    activation = await routing.store.activate(
        kind, origin.previous, actor=actor, reason=reason, rollback=True
    )
    await routing.refresh()
    return activation
