"""Reconciliation: the payments the provider lists for a day against ours.

`python -m services.payments.reconcile --day 2026-12-02` (settings from the environment, as
the service) prints the differences as JSON and exits 1 when there are any.
"""

import argparse
import asyncio
import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import date

from services.payments.context import Payments
from services.payments.invoices import PAYMENT_ATTEMPTS
from services.payments.providers import KnownPayment

COUNTED = ("paid", "paid_twice", "amount_mismatch")


@dataclass
class Report:
    day: str
    provider_only: list[dict[str, object]] = field(default_factory=list)
    ours_only: list[dict[str, object]] = field(default_factory=list)
    amount_differs: list[dict[str, object]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.provider_only or self.ours_only or self.amount_differs)


async def reconcile(ctx: Payments, *, day: date) -> Report:
    theirs: dict[str, KnownPayment] = {p.operation_id: p for p in await ctx.provider.paid_on(day)}
    found = ctx.db[PAYMENT_ATTEMPTS].find(
        {"paid_on": day.isoformat(), "provider": ctx.provider.name, "state": {"$in": COUNTED}}
    )
    ours = {a["operation_id"]: a for a in await found.to_list()}
    report = Report(day=day.isoformat())
    for operation_id, known in theirs.items():
        mine = ours.get(operation_id)
        if mine is None:
            report.provider_only.append(asdict(known))
        elif mine["amount_cents"] != known.amount_cents or mine["state"] != "paid":
            report.amount_differs.append(
                asdict(known) | {"our_amount_cents": mine["amount_cents"], "state": mine["state"]}
            )
    for operation_id, mine in ours.items():
        if operation_id not in theirs:
            report.ours_only.append(
                {
                    "operation_id": operation_id,
                    "payment_id": mine["_id"],
                    "invoice_id": mine["invoice_id"],
                    "amount_cents": mine["amount_cents"],
                }
            )
    return report


async def _main(day: date) -> int:
    from services.payments.app import provider_for
    from services.payments.settings import SOURCE, PaymentsSettings
    from shared.outbox import Outbox
    from shared.runtime import Runtime

    settings = PaymentsSettings()
    runtime = Runtime.create(settings)
    ctx = Payments(
        settings=settings,
        runtime=runtime,
        provider=provider_for(settings, runtime),
        outbox=Outbox(db=runtime.db, publisher=runtime.publisher, source=SOURCE),
    )
    try:
        report = await reconcile(ctx, day=day)
    finally:
        if runtime.client is not None:
            await runtime.client.close()
    print(json.dumps(asdict(report), indent=2, ensure_ascii=False))
    return 0 if report.clean else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--day", type=date.fromisoformat, default=date.today())
    sys.exit(asyncio.run(_main(parser.parse_args().day)))
