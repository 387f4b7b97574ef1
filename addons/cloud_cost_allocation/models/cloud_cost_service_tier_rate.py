from odoo import fields, models


class CloudCostServiceTierRate(models.Model):
    """A service tier's rate card line: price per unit of one allocation key."""

    _name = "cloud.cost.service.tier.rate"
    _description = "Service Tier Rate"
    _order = "tier_id, key_id"

    tier_id = fields.Many2one("cloud.cost.service.tier", required=True, index=True, ondelete="cascade")
    key_id = fields.Many2one("cloud.cost.allocation.key", "Allocation Key", required=True, ondelete="restrict")
    unit = fields.Char(related="key_id.unit")
    company_id = fields.Many2one(related="tier_id.company_id", store=True)
    price_per_unit = fields.Float(digits=(16, 6), required=True, help="In the company currency.")

    _sql_constraints = [
        ("tier_key_uniq", "unique(tier_id, key_id)", "A tier has one price per allocation key."),
        ("price_positive", "CHECK(price_per_unit >= 0)", "A rate card price cannot be negative."),
    ]
