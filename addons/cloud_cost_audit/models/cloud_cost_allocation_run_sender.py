from odoo import models
from odoo.tools import LazyTranslate

_lt = LazyTranslate(__name__)


class CloudCostAllocationRunSender(models.Model):
    _name = "cloud.cost.allocation.run.sender"
    _inherit = ["cloud.cost.allocation.run.sender", "cloud.cost.audit.sealed.mixin"]
    _sealed_what = _lt("sender checks")
