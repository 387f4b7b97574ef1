from odoo import models
from odoo.tools import LazyTranslate

from .cloud_cost_allocation_run import SENDER_COLUMNS

_lt = LazyTranslate(__name__)


class CloudCostAllocationRunSender(models.Model):
    _name = "cloud.cost.allocation.run.sender"
    _inherit = ["cloud.cost.allocation.run.sender", "cloud.cost.audit.sealed.mixin"]
    _sealed_what = _lt("sender checks")
    _sealed_fields = ("run_id", "upstream_pool_ids", *SENDER_COLUMNS)
