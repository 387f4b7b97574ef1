from odoo import fields, models

# where the values of a key come from; an addon that computes them adds its own (selection_add)
DRIVER_SOURCES = [
    ("manual", "Entered or imported values"),
]

MEASURES = [
    ("cpu_core_hours", "CPU core-hours (max of request and usage)"),
    ("memory_gib_hours", "Memory GiB-hours"),
    ("pv_gib_hours", "Persistent volume GiB-hours"),
    ("gpu_hours", "GPU hours"),
    ("network_gb", "Network GB"),
    ("cost_weighted", "Cost-weighted blend"),
    ("active_users", "Active users"),
    ("posted_move_lines", "Posted journal items"),
    ("attachment_gb", "Attachment storage GB"),
    ("storage_gb", "Storage GB"),
    ("backup_gb", "Backup footprint GB"),
    ("transactions", "Transactions"),
    ("other", "Other"),
]


class CloudCostAllocationKey(models.Model):
    """An allocation key (driver): the measure that splits a cost pool."""

    _name = "cloud.cost.allocation.key"
    _description = "Allocation Key"
    _inherit = ["cloud.cost.coded.mixin", "mail.thread"]
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", index=True, default=lambda self: self.env.company, help="Empty: shared by all companies."
    )
    driver_source = fields.Selection(DRIVER_SOURCES, required=True, default="manual", tracking=True)
    measure = fields.Selection(MEASURES, required=True, default="other", tracking=True)
    unit = fields.Char(
        required=True, default="unit", help="Unit of the driver values, e.g. core-hours, GiB-hours, users."
    )
    description = fields.Text()

    _sql_constraints = [
        ("code_company_uniq", "unique(code, company_id)", "An allocation key code must be unique per company."),
    ]
