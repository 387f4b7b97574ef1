from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.cloud_cost.models.cloud_cost_guarded_mixin import is_suite


class AccountMove(models.Model):
    _inherit = "account.move"

    # what a provider invoice pays, where its bill rows carry no invoice id
    cloud_cost_billing_account = fields.Char(
        "Cloud Billing Account",
        copy=False,
        help="The provider's billing account (FOCUS BillingAccountId) this vendor bill is for; with the billing "
        "period, it links the bill to the imports when their rows carry no invoice id. The bill reference is "
        "matched with the rows' invoice id (FOCUS InvoiceId, CUR bill/InvoiceId, Azure InvoiceId) first.",
    )
    cloud_cost_billing_period = fields.Date(
        "Cloud Billing Period", copy=False, help="Any day of the billing month this vendor bill is for."
    )
    cloud_cost_accrual_id = fields.Many2one(
        "cloud.cost.accrual",
        "Cloud Cost Accrual",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )
    cloud_cost_match_ids = fields.Many2many(
        "cloud.cost.invoice.match", compute="_compute_cloud_cost_matches", string="Cloud Bill Matches"
    )

    def _compute_cloud_cost_matches(self):
        Match = self.env["cloud.cost.invoice.match"]
        for move in self:
            move.cloud_cost_match_ids = Match.search([("invoice_ids", "in", move.ids)]) if move.id else Match

    def _cloud_cost_refuse_accrual(self):
        raise AccessError(
            _(
                "Accrual entries belong to their cloud cost accrual: they are created, linked and "
                "reversed by the accrual's own actions only."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_suite(self.env) and any(vals.get("cloud_cost_accrual_id") for vals in vals_list):
            self._cloud_cost_refuse_accrual()
        return super().create(vals_list)

    def write(self, vals):
        if "cloud_cost_accrual_id" in vals and not is_suite(self.env):
            self._cloud_cost_refuse_accrual()
        return super().write(vals)

    def _check_draftable(self):
        accruals = self.filtered("cloud_cost_accrual_id")
        if accruals and not is_suite(self.env):
            raise UserError(
                _(
                    "%s is a cloud cost accrual entry, reversed on the first day of the next period: it "
                    "is not reset to draft.",
                    accruals[0].display_name,
                )
            )
        if not is_suite(self.env) and self.ids:
            # a commitment release or a chargeback correction is what its record says was posted
            for model in ("cloud.cost.commitment.release", "cloud.cost.correction"):
                owner = self.env[model].sudo().search([("move_id", "in", self.ids)], limit=1)
                if owner:
                    raise UserError(
                        _(
                            "%(move)s is the entry of %(owner)s: it is not reset to draft.",
                            move=owner.move_id.display_name,
                            owner=owner.display_name,
                        )
                    )
        return super()._check_draftable()

    def action_cloud_cost_match(self):
        """Match the billing months of these vendor bills with the imported bills."""
        Match = self.env["cloud.cost.invoice.match"]
        for company, month in {(move.company_id, Match._bill_month(move)) for move in self}:
            Match.with_company(company).action_match_month(fields.Date.to_string(month))
        return True
