from odoo import fields, models

HOURS = (16, 6)
BYTES = (24, 2)
MONEY = (16, 6)


class CloudCostUsage(models.Model):
    """One day of one namespace (controller, pod or label value) of a cluster, as OpenCost reports it.

    Rows are written in bulk by their source (one day replaced at a time); numbers are numeric
    columns, stored as the API or the file gave them.
    """

    _name = "cloud.cost.usage"
    _description = "Cluster Usage"
    _order = "day desc, source_id, name"
    _check_company_auto = True

    source_id = fields.Many2one("cloud.cost.usage.source", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True)
    day = fields.Date(required=True, index=True)
    name = fields.Char("Aggregate", required=True, help="Namespace, controller, pod or label value.")
    is_idle = fields.Boolean("Idle", help="Capacity nobody requested or used (__idle__).")
    namespace = fields.Char()
    labels = fields.Json()
    minutes = fields.Float(digits=(16, 4))
    cpu_core_hours = fields.Float(
        "CPU Core-Hours", digits=HOURS, help="Core-hours OpenCost allocated (for idle: capacity nobody took)."
    )
    cpu_request_avg = fields.Float("CPU Request (avg cores)", digits=HOURS)
    cpu_usage_avg = fields.Float("CPU Usage (avg cores)", digits=HOURS)
    ram_byte_hours = fields.Float("RAM Byte-Hours", digits=BYTES)
    ram_request_avg = fields.Float("RAM Request (avg bytes)", digits=BYTES)
    ram_usage_avg = fields.Float("RAM Usage (avg bytes)", digits=BYTES)
    gpu_hours = fields.Float("GPU Hours", digits=HOURS)
    pv_byte_hours = fields.Float("PV Byte-Hours", digits=BYTES)
    network_transfer_bytes = fields.Float("Network Sent (bytes)", digits=BYTES)
    network_receive_bytes = fields.Float("Network Received (bytes)", digits=BYTES)
    network_bytes = fields.Float(digits=BYTES, help="Sent and received.")
    cpu_cost = fields.Float("CPU Cost", digits=MONEY)
    ram_cost = fields.Float("RAM Cost", digits=MONEY)
    gpu_cost = fields.Float("GPU Cost", digits=MONEY)
    pv_cost = fields.Float("PV Cost", digits=MONEY)
    network_cost = fields.Float(digits=MONEY)
    total_cost = fields.Float(digits=MONEY, help="All of the aggregate's cost as OpenCost prices it.")
    analytic_account_id = fields.Many2one(
        "account.analytic.account", "Business Unit", index="btree_not_null", check_company=True
    )
    environment = fields.Char()
    tenant = fields.Char()
    service_tier_id = fields.Many2one("cloud.cost.service.tier", check_company=True)
    mapping_rule_id = fields.Many2one("cloud.cost.mapping.rule", ondelete="set null")

    _sql_constraints = [
        (
            "source_day_name_uniq",
            "unique(source_id, day, name)",
            "A source holds one row per day and aggregate: importing a day again replaces it.",
        ),
    ]
