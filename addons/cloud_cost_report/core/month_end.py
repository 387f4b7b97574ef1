"""Month-end figures from totals: allocated share and the FinOps allocation maturity."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# FinOps Foundation, allocation capability: share of spend allocated at each maturity stage
MATURITY_THRESHOLDS = ((Decimal(90), "run"), (Decimal(80), "walk"))


@dataclass(frozen=True)
class AllocationShare:
    total: Decimal
    unallocated: Decimal

    @property
    def allocated(self):
        return self.total - self.unallocated

    @property
    def allocated_percent(self):
        return (
            Decimal(0)
            if not self.total
            else (self.allocated / self.total * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        )

    @property
    def unallocated_percent(self):
        return Decimal(0) if not self.total else (100 - self.allocated_percent)

    @property
    def maturity(self):
        """'crawl' below 80 % allocated, 'walk' above 80 %, 'run' above 90 %."""
        for threshold, stage in MATURITY_THRESHOLDS:
            if self.allocated_percent > threshold:
                return stage
        return "crawl"
