from odoo import fields, models


class CloudCostUsage(models.Model):
    """One day of one namespace (controller, pod or label value) of a cluster, as OpenCost reports it."""

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
    cpu_core_hours = fields.Float("CPU Core-Hours", digits=(16, 6))
    cpu_request_avg = fields.Float("CPU Request (avg cores)", digits=(16, 6))
    cpu_usage_avg = fields.Float("CPU Usage (avg cores)", digits=(16, 6))
    ram_byte_hours = fields.Float("RAM Byte-Hours", digits=(24, 2))
    ram_request_avg = fields.Float("RAM Request (avg bytes)", digits=(24, 2))
    ram_usage_avg = fields.Float("RAM Usage (avg bytes)", digits=(24, 2))
    gpu_hours = fields.Float("GPU Hours", digits=(16, 6))
    pv_byte_hours = fields.Float("PV Byte-Hours", digits=(24, 2))
    network_bytes = fields.Float(digits=(24, 2))
    cpu_cost = fields.Float(digits=(16, 6))
    ram_cost = fields.Float(digits=(16, 6))
    gpu_cost = fields.Float(digits=(16, 6))
    pv_cost = fields.Float(digits=(16, 6))
    network_cost = fields.Float(digits=(16, 6))
    total_cost = fields.Float(digits=(16, 6))
    analytic_account_id = fields.Many2one("account.analytic.account", "Business Unit", index="btree_not_null",
                                          check_company=True)
    environment = fields.Char()
    tenant = fields.Char()
    service_tier_id = fields.Many2one("cloud.cost.service.tier", check_company=True)
    mapping_rule_id = fields.Many2one("cloud.cost.mapping.rule", ondelete="set null")
