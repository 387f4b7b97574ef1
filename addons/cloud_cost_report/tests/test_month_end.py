from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.month_end import AllocationShare


@tagged("post_install", "-at_install")
class TestMonthEnd(PlainCase):
    def test_allocated_share_and_maturity_stage(self):
        share = AllocationShare(total=Decimal("1000.00"), unallocated=Decimal("85.50"))
        assert share.allocated == Decimal("914.50")
        assert share.allocated_percent == Decimal("91.5")
        assert share.unallocated_percent == Decimal("8.5")
        assert share.maturity == "run"
        assert AllocationShare(Decimal(100), Decimal("15")).maturity == "walk"
        assert AllocationShare(Decimal(100), Decimal("20")).maturity == "crawl"  # exactly 80 % is not above 80 %

    def test_an_empty_month_is_not_divided_by_zero(self):
        share = AllocationShare(Decimal(0), Decimal(0))
        assert (share.allocated_percent, share.unallocated_percent, share.maturity) == (0, 0, "crawl")
