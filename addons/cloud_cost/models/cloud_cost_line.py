from odoo import api, fields, models

CHARGE_CATEGORIES = [
    ("Usage", "Usage"),
    ("Purchase", "Purchase"),
    ("Tax", "Tax"),
    ("Credit", "Credit"),
    ("Adjustment", "Adjustment"),
]

# Bill amounts keep the provider's precision (ten and more decimal places);
# the column is PostgreSQL numeric, so sums in SQL are exact.
BILL_AMOUNT_DIGITS = (38, 12)


class CloudCostLine(models.Model):
    """One normalized bill line, with the FOCUS columns and its provenance."""

    _name = "cloud.cost.line"
    _description = "Cloud Cost Line"
    _order = "charge_period_start desc, id"
    _rec_name = "charge_description"
    _check_company_auto = True

    batch_id = fields.Many2one(
        "cloud.cost.import.batch", required=True, index=True, ondelete="cascade", check_company=True
    )
    source_id = fields.Many2one(related="batch_id.source_id", store=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")

    # --- FOCUS: amounts in the billing currency
    billing_currency = fields.Char(size=3, help="FOCUS BillingCurrency (ISO 4217).")
    billed_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="FOCUS BilledCost: what the invoice charges.")
    effective_cost = fields.Float(
        digits=BILL_AMOUNT_DIGITS, help="FOCUS EffectiveCost: amortized cost after discounts, for chargeback."
    )
    list_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="FOCUS ListCost.")
    contracted_cost = fields.Float(digits=BILL_AMOUNT_DIGITS, help="FOCUS ContractedCost.")
    # --- amounts in the company currency, converted at the charge date
    billed_cost_company = fields.Monetary("Billed Cost (Company)", currency_field="company_currency_id")
    effective_cost_company = fields.Monetary("Effective Cost (Company)", currency_field="company_currency_id")

    # --- FOCUS: what and when
    charge_category = fields.Selection(CHARGE_CATEGORIES, index=True)
    charge_class = fields.Char(help="FOCUS ChargeClass: 'Correction' for corrections of earlier periods.")
    charge_description = fields.Char()
    charge_period_start = fields.Datetime(index=True)
    charge_period_end = fields.Datetime()
    billing_period_start = fields.Date(index=True)
    billing_period_end = fields.Date()
    provider_name = fields.Char(index=True)
    billing_account = fields.Char(help="FOCUS BillingAccountId.")
    sub_account = fields.Char(index=True, help="FOCUS SubAccountId (AWS account, Azure subscription, GCP project).")
    sub_account_name = fields.Char()
    service_name = fields.Char(index=True)
    service_category = fields.Char()
    region = fields.Char(help="FOCUS RegionId.")
    resource = fields.Char(help="FOCUS ResourceId.")
    resource_name = fields.Char()
    sku = fields.Char(help="FOCUS SkuId.")
    pricing_quantity = fields.Float(digits=BILL_AMOUNT_DIGITS)
    pricing_unit = fields.Char()
    consumed_quantity = fields.Float(digits=BILL_AMOUNT_DIGITS)
    consumed_unit = fields.Char()
    commitment_discount = fields.Char(help="FOCUS CommitmentDiscountId.")
    commitment_discount_status = fields.Char()
    invoice_number = fields.Char(help="FOCUS InvoiceId.")
    tags = fields.Json(help="FOCUS Tags: provider tags and labels as a JSON object.")
    provider_extra = fields.Json(help="Provider columns outside FOCUS, kept as they came.")

    # --- provenance
    source_file = fields.Char(help="Name of the source file inside the import batch.")
    source_row = fields.Integer(help="Row number in the source file (1 = first data row).")

    # --- classification (mapping rules)
    analytic_account_id = fields.Many2one(
        "account.analytic.account", string="Business Unit", index=True, check_company=True
    )
    environment = fields.Char(index=True)
    tenant = fields.Char(index=True)
    service_tier_id = fields.Many2one("cloud.cost.service.tier", index=True, check_company=True)
    cost_pool_id = fields.Many2one("cloud.cost.pool", index=True, check_company=True)
    mapping_rule_id = fields.Many2one(
        "cloud.cost.mapping.rule", index="btree_not_null", readonly=True, ondelete="set null",
        help="The first mapping rule that classified this line.",
    )
    is_unallocated = fields.Boolean(
        "Unallocated",
        compute="_compute_is_unallocated",
        store=True,
        index=True,
        help="No business unit and no cost pool: nobody bears this cost yet.",
    )

    @api.depends("analytic_account_id", "cost_pool_id")
    def _compute_is_unallocated(self):
        for line in self:
            line.is_unallocated = not (line.analytic_account_id or line.cost_pool_id)
