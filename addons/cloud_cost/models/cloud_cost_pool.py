from odoo import fields, models

POOL_TYPES = [
    ("shared_platform", "Shared platform services"),
    ("tenant_runtime", "Tenant runtime"),
    ("resilience", "Resilience services"),
    ("security", "Security and compliance"),
    ("other", "Other"),
]


class CloudCostPool(models.Model):
    """A bucket of cost with an owner and a clearing account."""

    _name = "cloud.cost.pool"
    _description = "Cost Pool"
    _inherit = ["cloud.cost.coded.mixin", "mail.thread"]
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    pool_type = fields.Selection(POOL_TYPES, required=True, default="shared_platform", tracking=True)
    owner_id = fields.Many2one("res.users", string="Owner", tracking=True)
    clearing_account_id = fields.Many2one(
        "account.account",
        tracking=True,
        check_company=True,
        help="Account credited when the pool's cost is charged back to receivers.",
    )
    allocation_key_id = fields.Many2one(
        "cloud.cost.allocation.key",
        string="Default Allocation Key",
        tracking=True,
        check_company=True,
    )
    description = fields.Text()
    cost_line_ids = fields.One2many("cloud.cost.line", "cost_pool_id")

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "A cost pool code must be unique per company."),
    ]
