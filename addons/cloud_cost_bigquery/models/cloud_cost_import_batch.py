from odoo import fields, models


class CloudCostImportBatch(models.Model):
    _inherit = "cloud.cost.import.batch"

    aggregation = fields.Selection(selection_add=[("bigquery", "Google BigQuery")], ondelete={"bigquery": "set null"})
