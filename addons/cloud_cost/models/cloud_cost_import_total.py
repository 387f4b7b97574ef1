from odoo import fields, models

from .cloud_cost_line import BILL_AMOUNT_DIGITS


class CloudCostImportTotal(models.Model):
    """Totals of an import batch per charge category and billing currency, with the
    difference to the batch it superseded. Written by the import in SQL, exactly."""

    _name = "cloud.cost.import.total"
    _description = "Cloud Cost Import Totals"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True  # written by the import that read the files
    _order = "batch_id, charge_category, billing_currency, id"

    batch_id = fields.Many2one("cloud.cost.import.batch", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    charge_category = fields.Char()
    billing_currency = fields.Char(size=3)
    row_count = fields.Integer("Rows")
    billed_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="Exact sum of BilledCost, billing currency.")
    effective_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="Exact sum of EffectiveCost, billing currency.")
    billed_cost_company = fields.Monetary("Billed Cost (Company)", currency_field="company_currency_id")
    effective_cost_company = fields.Monetary("Effective Cost (Company)", currency_field="company_currency_id")
    previous_billed_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="In the superseded batch.")
    previous_effective_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="In the superseded batch.")
    billed_cost_difference = fields.Float(digits=BILL_AMOUNT_DIGITS, help="This batch minus the superseded one.")
    effective_cost_difference = fields.Float(digits=BILL_AMOUNT_DIGITS, help="This batch minus the superseded one.")
