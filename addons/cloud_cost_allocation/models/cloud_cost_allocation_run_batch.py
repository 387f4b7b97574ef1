from odoo import fields, models


class CloudCostAllocationRunBatch(models.Model):
    """An import batch a run took cost lines of, with the figures of the lines it took.

    The record of what a run took: one row per batch, not one per cost line. The lines are the batch's
    (those whose usage started in the charge period, for runs by charge period); their count, exact sum and
    the sum of their hashes over id, amount and classification are kept as the run read them, so that a
    line added, removed, changed or re-classified since is found (the run's fingerprint is made of them).
    """

    _name = "cloud.cost.allocation.run.batch"
    _description = "Import Batch Taken by an Allocation Run"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "run_id, batch_id"
    _log_access = False
    _rec_name = "batch_id"

    run_id = fields.Many2one("cloud.cost.allocation.run", required=True, index=True, ondelete="cascade", readonly=True)
    batch_id = fields.Many2one("cloud.cost.import.batch", required=True, index=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one(related="run_id.company_id")
    currency_id = fields.Many2one(related="run_id.currency_id")
    amount_basis = fields.Selection(
        [("effective", "Effective cost"), ("billed", "Billed cost")],
        required=True,
        readonly=True,
        help="The amount column the run took.",
    )
    charge_date_from = fields.Date(
        readonly=True,
        help="Runs by charge period: the batch's lines whose usage "
        "started from this day. Empty: every line of the batch.",
    )
    charge_date_to = fields.Date(readonly=True)
    line_count = fields.Integer("Cost Lines", readonly=True)
    amount = fields.Monetary(readonly=True, help="Exact sum of the lines taken, as the run took them.")
    lines_digest = fields.Char(
        readonly=True,
        help="Sum of the 64-bit hashes of the lines taken (id, amount, "
        "pool, business unit, environment, tenant, tier, service, provider, category).",
    )
