from odoo import fields, models


class CloudCostDriverValue(models.Model):
    _inherit = "cloud.cost.driver.value"

    # the values this addon computes (cloud.cost.allocation.key._compute_drivers); uninstalled, the values
    # already computed stay, as entered ones, with the origin_ref that names their source
    origin = fields.Selection(
        selection_add=[("cluster_usage", "Cluster usage"), ("odoo_data", "Odoo data"), ("manual",)],
        ondelete={"cluster_usage": "set default", "odoo_data": "set default"},
    )
