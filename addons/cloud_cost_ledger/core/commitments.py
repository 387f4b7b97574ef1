"""Commitment purchases (Savings Plans, reservations, committed use discounts) as prepaid cost.

A bill charges a commitment's fee on Purchase rows (BilledCost = the fee, EffectiveCost 0) and spreads it
over the usage it covered (BilledCost 0, EffectiveCost = the amortized share) and over the commitment left
unused (CommitmentDiscountStatus Unused). The vendor bill books the fee; the chargeback charges the
amortized cost. The fee goes to a prepaid account, from which each month releases what the bill amortized.
"""

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Bridge:
    """From a month's BilledCost to its EffectiveCost, to the cent: billed - purchases + amortized + unused +
    other = effective."""

    billed: Decimal
    purchases: Decimal  # commitment fees billed (less any effective cost their rows carry)
    amortized: Decimal  # effective cost of covered usage beyond what it billed
    unused: Decimal  # commitment left unused, as the bill amortizes it
    effective: Decimal

    @property
    def other(self):
        """What else separates billed from effective cost (negotiated discounts, credits spread, rounding)."""
        return self.effective - (self.billed - self.purchases + self.amortized + self.unused)

    @property
    def release(self):
        """Released from the prepaid account this month."""
        return self.amortized + self.unused

    def rows(self):
        return [
            ("BilledCost", self.billed),
            ("less commitment purchases", -self.purchases),
            ("plus amortized commitment (used)", self.amortized),
            ("plus unused commitment", self.unused),
            ("other differences", self.other),
            ("EffectiveCost", self.effective),
        ]


def bridge(billed, effective, purchases, amortized, unused, places=2):
    """The bridge with each amount rounded to the currency; ``other`` closes it exactly."""
    quantum = Decimal(1).scaleb(-places)

    def q(value):
        return Decimal(value).quantize(quantum)

    return Bridge(q(billed), q(purchases), q(amortized), q(unused), q(effective))


def prepaid_schedule(months):
    """Running prepaid balance over ``months``: [(label, purchased, released, balance)]."""
    balance = ZERO
    out = []
    for label, purchased, released in months:
        balance += Decimal(purchased) - Decimal(released)
        out.append((label, Decimal(purchased), Decimal(released), balance))
    return out
