"""Month-end figures from totals: allocated share and the FinOps allocation maturity."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from odoo.addons.cloud_cost.core.finops import maturity


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
        """The FinOps Foundation allocation maturity of the allocated share."""
        return maturity(self.allocated_percent)
