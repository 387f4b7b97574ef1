from odoo import api, fields, models

from .cloud_cost_source import AGGREGATIONS


class CloudCostImportBatch(models.Model):
    _inherit = "cloud.cost.import.batch"

    aggregation = fields.Selection(
        AGGREGATIONS,
        readonly=True,
        copy=False,
        help="Where the bill rows were summed before import; empty: every bill row was imported.",
    )
    aggregation_query_id = fields.Char(
        "Query ID",
        readonly=True,
        copy=False,
        help="Athena's query execution id (its result stays in Athena's output location).",
    )
    aggregation_sql = fields.Text(
        "Aggregation Query",
        readonly=True,
        copy=False,
        help="The SQL that summed the bill rows: run it again to see the rows of any cost line.",
    )
    aggregated_row_count = fields.Integer(
        "Bill Rows Summed", readonly=True, copy=False, help="Bill rows the aggregated cost lines stand for."
    )
    aggregation_grouping = fields.Json(
        readonly=True,
        copy=False,
        help="What the query grouped by (layout, dimensions, tag keys): how the rows of a cost line are found "
        "again in its bill file.",
    )

    @api.model
    def _guarded_field_names(self):
        return super()._guarded_field_names() | {
            "aggregation",
            "aggregation_query_id",
            "aggregation_sql",
            "aggregated_row_count",
            "aggregation_grouping",
        }
