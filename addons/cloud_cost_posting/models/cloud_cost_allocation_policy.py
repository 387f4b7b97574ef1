from odoo import fields, models

from ..core import styles


class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"

    posting_grouping = fields.Selection(
        styles.selection(styles.BUILTIN_GROUPINGS),
        required=True,
        default="run",
        tracking=True,
    )
    posting_journal_id = fields.Many2one(
        "account.journal",
        "Chargeback Journal",
        check_company=True,
        tracking=True,
        domain="[('type', '=', 'general'), ('company_id', '=', company_id)]",
        help="Journal of this policy's chargeback entries. Empty: the company's chargeback journal.",
    )
    posting_dimension_ids = fields.One2many(
        "cloud.cost.posting.dimension",
        "policy_id",
        string="Analytic Plans",
        copy=True,
        help="Plans distributed on beside the business units' own (business unit x environment x ...): each "
        "debit carries the business unit and, per plan, the account named like the allocation line's "
        "environment, tenant or service tier.",
    )
