from decimal import Decimal

from odoo import fields, models

from odoo.addons.cloud_cost_allocation.core import methods

from ..core.previous_month_cost import KEY, PreviousMonthCostMethod


class CloudCostAllocationStep(models.Model):
    _inherit = "cloud.cost.allocation.step"

    method = fields.Selection(selection_add=methods.selection([PreviousMonthCostMethod]), ondelete={KEY: "cascade"})


# the example keeps each seam in the file of the method it serves
class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"  # pylint: disable=consider-merging-classes-inherited

    def _previous_month_direct_cost(self, date_from, date_to):
        """{("a", business unit id): exact Decimal}: the business units' direct cost of a period, on the
        policy's amount and period basis (current imports only, as a run reads its own month)."""
        self.ensure_one()
        sql, params, amount = self._cost_line_source(date_from, date_to)
        self.env.flush_all()
        self.env.cr.execute(
            f"""SELECT l.analytic_account_id, SUM({amount})::text {sql}
                   AND l.cost_pool_id IS NULL AND l.analytic_account_id IS NOT NULL
              GROUP BY 1""",  # noqa: S608 - the policy's own SQL, values are parameters
            params,
        )
        return {("a", analytic): Decimal(total) for analytic, total in self.env.cr.fetchall()}
