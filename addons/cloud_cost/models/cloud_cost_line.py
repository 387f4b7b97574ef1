from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import create_index

from ..core import summary_query
from .cloud_cost_line_summary import SUMMARY_SOURCES

# marks a grouping asked by a screen (read_group), which the summary may answer; not settable over JSON-RPC
SCREEN_GROUPING = object()

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
# What accountants may change on a cost line: who bears it. Everything else is what the bill said.
RECLASSIFIABLE = ("analytic_account_id", "environment", "tenant", "service_tier_id", "cost_pool_id")


class CloudCostLine(models.Model):
    """One normalized bill line, with the FOCUS columns and its provenance."""

    _name = "cloud.cost.line"
    _description = "Cloud Cost Line"
    _order = "charge_period_start desc, id"
    _rec_name = "charge_description"
    _check_company_auto = True
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_create = True  # only imports create cost lines
    # A bill line is written by an import, in bulk: who imported it and when is on its
    # batch. Without the four log columns (and their two foreign keys to res_users),
    # COPY stores a million lines in a fraction of the time.
    _log_access = False

    batch_id = fields.Many2one(
        "cloud.cost.import.batch", required=True, index=True, ondelete="cascade", check_company=True
    )
    source_id = fields.Many2one(related="batch_id.source_id")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )  # indexed with charge_period_start, see init()
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
    charge_category = fields.Selection(CHARGE_CATEGORIES)
    charge_class = fields.Char(help="FOCUS ChargeClass: 'Correction' for corrections of earlier periods.")
    charge_description = fields.Char()
    charge_period_start = fields.Datetime()
    charge_period_end = fields.Datetime()
    billing_period_start = fields.Date()
    billing_period_end = fields.Date()
    provider_name = fields.Char()
    billing_account = fields.Char(help="FOCUS BillingAccountId.")
    sub_account = fields.Char(help="FOCUS SubAccountId (AWS account, Azure subscription, GCP project).")
    sub_account_name = fields.Char()
    service_name = fields.Char()
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
        "account.analytic.account", string="Business Unit", index="btree_not_null", check_company=True
    )
    environment = fields.Char()
    tenant = fields.Char()
    service_tier_id = fields.Many2one("cloud.cost.service.tier", index="btree_not_null", check_company=True)
    cost_pool_id = fields.Many2one("cloud.cost.pool", index="btree_not_null", check_company=True)
    mapping_rule_id = fields.Many2one(
        "cloud.cost.mapping.rule",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
        help="The first mapping rule that classified this line.",
    )
    change_ids = fields.One2many("cloud.cost.line.change", "line_id", string="Reclassifications", readonly=True)
    is_unallocated = fields.Boolean(
        "Unallocated",
        compute="_compute_is_unallocated",
        store=True,
        help="No business unit and no cost pool: nobody bears this cost yet.",
    )

    def init(self):
        # one index for the company rule and the period filters of reports and runs
        create_index(
            self.env.cr, "cloud_cost_line_company_period_index", self._table, ["company_id", "charge_period_start"]
        )

    @api.model
    def _guarded_field_names(self):
        """Every stored field but the classification: the bill's facts and provenance, and the rule that
        classified the line."""
        return {name for name, field in self._fields.items() if field.store and name not in RECLASSIFIABLE} - {"id"}

    # ------------------------------------------------------------------ the summary of the cost screens
    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        """The screens' groupings (pivot, graph, grouped lists) read the summary when it gives the same answer:
        a company-year is millions of lines but thousands of summary rows. Code of the suite calling
        ``_read_group`` always reads the lines."""
        return super(CloudCostLine, self.with_context(cloud_cost_screen_grouping=SCREEN_GROUPING)).read_group(
            domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy
        )

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        if self.env.context.get("cloud_cost_screen_grouping") is SCREEN_GROUPING:
            question = summary_query.summary_question(
                domain, groupby, aggregates, having, order, self.env.context.get("tz")
            )
            if question is not None:
                self.browse().check_access("read")
                where, summary_groupby, summary_aggregates, summary_order = question
                rows = (
                    self.env["cloud.cost.line.summary"]
                    .with_context(cloud_cost_screen_grouping=None)
                    ._read_group(
                        where, summary_groupby, summary_aggregates, offset=offset, limit=limit, order=summary_order
                    )
                )
                return [
                    tuple(
                        summary_query.as_line_value(spec, value)
                        for spec, value in zip(groupby, row[: len(groupby)], strict=True)
                    )
                    + tuple(row[len(groupby) :])
                    for row in rows
                ]
        return super()._read_group(domain, groupby, aggregates, having=having, offset=offset, limit=limit, order=order)

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["cloud.cost.line.summary"]._refresh(lines.batch_id.ids)
        return lines

    def write(self, vals):
        if not self._is_suite():
            changes = self._reclassification_changes(vals)
            vals = {name: value for name, value in vals.items() if name in RECLASSIFIABLE}
            if not changes:
                return True
            # a line classified by hand is no longer the rule's
            result = super(CloudCostLine, self._suite()).write({**vals, "mapping_rule_id": False})
            self.env["cloud.cost.line.change"].sudo()._suite().create(changes)
            self.env["cloud.cost.line.summary"]._refresh(self.batch_id.ids)
            return result
        if not SUMMARY_SOURCES.intersection(vals):
            return super().write(vals)
        batches = self.batch_id  # before a line moves to another batch
        result = super().write(vals)
        self.env["cloud.cost.line.summary"]._refresh((batches | self.batch_id).ids)
        return result

    def _reclassification_changes(self, vals):
        """Values of the change log for a reclassification by hand; refuses anything but the classification."""
        facts = self._changing(vals, set(vals) - set(RECLASSIFIABLE))
        if facts:
            self._refuse_guarded(facts)
        changes = []
        for line in self:
            for name in RECLASSIFIABLE:
                if name not in vals:
                    continue
                field = self._fields[name]
                old = line[name]
                new = field.convert_to_record(field.convert_to_cache(vals[name], line), line)
                if old == new:
                    continue
                changes.append(
                    {
                        "line_id": line.id,
                        "company_id": line.company_id.id,
                        "field_name": name,
                        "old_value": (old.display_name if field.type == "many2one" else old) or "",
                        "new_value": (new.display_name if field.type == "many2one" else new) or "",
                    }
                )
        return changes

    def unlink(self):
        if not self._is_suite():
            raise AccessError(
                _(
                    "Cost lines are what the bills said: they are removed by the suite's own actions "
                    "only, with their import batch, never one by one."
                )
            )
        batch_ids = self.batch_id.ids
        result = super().unlink()
        self.env["cloud.cost.line.summary"]._refresh(batch_ids)
        return result

    @api.depends("analytic_account_id", "cost_pool_id")
    def _compute_is_unallocated(self):
        for line in self:
            line.is_unallocated = not (line.analytic_account_id or line.cost_pool_id)
