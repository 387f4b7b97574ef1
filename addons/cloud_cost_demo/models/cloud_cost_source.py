from odoo import api, fields, models

from odoo.addons.cloud_cost.core.bill_stores import MemoryStore

from ..core.focus_month import generate_month, month_starts, to_csv_gz


class CloudCostSource(models.Model):
    _inherit = "cloud.cost.source"

    @api.model
    def _load_demo_bills(self, source_xmlid, months=2):
        """Import generated FOCUS bills of the last full months into the demo source, as a user would upload them."""
        source = self.env.ref(source_xmlid)
        today = fields.Date.context_today(self)
        files = {
            f"focus-{month:%Y-%m}.csv.gz": to_csv_gz(generate_month(month)) for month in month_starts(today, months)
        }
        return source._import_store(MemoryStore(files, label="demo"))
