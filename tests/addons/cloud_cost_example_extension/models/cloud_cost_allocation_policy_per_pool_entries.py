from odoo import fields, models

from odoo.addons.cloud_cost_posting.core import styles

from ..core.per_pool_entries import KEY, PoolGrouping


class CloudCostAllocationPolicy(models.Model):
    _inherit = "cloud.cost.allocation.policy"

    posting_grouping = fields.Selection(selection_add=styles.selection([PoolGrouping]), ondelete={KEY: "set default"})
