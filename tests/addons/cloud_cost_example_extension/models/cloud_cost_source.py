from odoo import fields, models

from ..core import oci


def _detect_instead(sources):
    # this addon uninstalled: its sources detect each file's format again, among those still installed
    sources.write({"bill_format": "auto"})


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"

    bill_format = fields.Selection(
        selection_add=[oci.FORMAT.choice], ondelete={oci.FORMAT.selection_value: _detect_instead}
    )
