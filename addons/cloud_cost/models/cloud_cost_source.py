from odoo import api, fields, models

SOURCE_TYPES = [
    ("file", "File or folder"),
    ("upload", "Manual upload"),
    ("s3", "AWS S3 export"),
    ("opencost", "OpenCost / Kubecost"),
]

BILL_FORMATS = [
    ("focus", "FOCUS"),
    ("aws_cur2", "AWS CUR 2.0 (Data Exports)"),
    ("aws_cur", "AWS legacy CUR"),
    ("azure", "Azure cost export"),
    ("gcp", "Google Cloud billing export"),
    ("opencost", "OpenCost allocation"),
]


class CloudCostSource(models.Model):
    _name = "cloud.cost.source"
    _description = "Cloud Cost Source"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    source_type = fields.Selection(SOURCE_TYPES, required=True, default="file", tracking=True)
    bill_format = fields.Selection(BILL_FORMATS, required=True, default="focus", tracking=True)
    location = fields.Char(
        tracking=True,
        help="Folder or file path, s3://bucket/prefix, or the base URL of the OpenCost API.",
    )
    provider_name = fields.Char(help="Provider shown when the bill does not name one.")
    last_import_date = fields.Datetime(readonly=True, copy=False)
    last_import_message = fields.Text(readonly=True, copy=False)
    batch_ids = fields.One2many("cloud.cost.import.batch", "source_id", string="Import Batches")
    batch_count = fields.Integer(compute="_compute_batch_count")
    note = fields.Html()

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A cost source name must be unique per company."),
    ]

    @api.depends("batch_ids")
    def _compute_batch_count(self):
        counts = dict(
            self.env["cloud.cost.import.batch"]._read_group(
                [("source_id", "in", self.ids)], ["source_id"], ["__count"]
            )
        )
        for source in self:
            source.batch_count = counts.get(source, 0)

    def action_view_batches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("cloud_cost.cloud_cost_import_batch_action")
        action["domain"] = [("source_id", "=", self.id)]
        action["context"] = {"default_source_id": self.id}
        return action
