from odoo import fields, models

from ..core import styles

# the suite's own styles; another addon adds its own by selection_add here and on the company's style
POSTING_STYLES = styles.selection(styles.BUILTIN_STYLES)


class CloudCostPool(models.Model):
    _inherit = "cloud.cost.pool"

    posting_style = fields.Selection(
        POSTING_STYLES,
        tracking=True,
        help="Assessment credits the pool's clearing account and debits the business units on the chargeback "
        "account. Distribution credits the original expense account the bills were booked to (the pool's "
        "account) and debits the business units on that same account: the cost keeps its nature, only its "
        "analytic account changes. Empty: the company's style.",
    )
    cost_center_id = fields.Many2one(
        "account.analytic.account",
        "Cost Center",
        check_company=True,
        tracking=True,
        help="Analytic account relieved when the pool's cost is charged back (the one its bills were booked "
        "to). Empty: the company's cloud cost center.",
    )
