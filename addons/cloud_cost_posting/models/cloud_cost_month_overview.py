from odoo import api, fields, models


class CloudCostMonthOverview(models.TransientModel):
    _inherit = "cloud.cost.month.overview"

    run_ids = fields.Many2many("cloud.cost.allocation.run", compute="_compute_runs", string="Allocation Runs")
    check_runs_approved = fields.Boolean(
        "Every policy's run approved",
        compute="_compute_runs",
        help="Each active policy has a run of the month, approved or posted.",
    )
    check_runs_posted = fields.Boolean(
        "Chargeback posted", compute="_compute_runs", help="Each active policy's run of the month is posted."
    )

    @api.depends("month", "company_id")
    def _compute_runs(self):
        for overview in self:
            if not overview.month:
                overview.update(run_ids=False, check_runs_approved=False, check_runs_posted=False)
                continue
            start, end = overview._month_bounds()
            runs = self.env["cloud.cost.allocation.run"].search(
                [
                    ("company_id", "=", overview.company_id.id),
                    ("date_from", "=", start),
                    ("date_to", "=", end),
                    ("is_open", "=", True),
                ]
            )
            policies = self.env["cloud.cost.allocation.policy"].search([("company_id", "=", overview.company_id.id)])
            by_policy = {run.policy_id: run.state for run in runs}
            overview.run_ids = runs
            overview.check_runs_approved = bool(policies) and all(
                by_policy.get(policy) in ("approved", "posted") for policy in policies
            )
            overview.check_runs_posted = bool(policies) and all(
                by_policy.get(policy) == "posted" for policy in policies
            )
