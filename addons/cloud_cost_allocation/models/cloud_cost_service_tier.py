from decimal import Decimal

from odoo import fields, models


class CloudCostServiceTier(models.Model):
    _inherit = "cloud.cost.service.tier"

    rate_ids = fields.One2many("cloud.cost.service.tier.rate", "tier_id", string="Rate Card", copy=True)

    def _unit_price(self, key, base_price):
        """Price per unit of ``key`` for a receiver in this tier (empty tier: the base price).

        The tier's rate card price when it has one for the key; otherwise the base price
        plus the tier's premium uplift.
        """
        base = Decimal(repr(base_price or 0.0))
        if not self:
            return base
        self.ensure_one()
        rate = self.rate_ids.filtered(lambda r: r.key_id == key)[:1]
        if rate:
            return Decimal(repr(rate.price_per_unit))
        uplift = Decimal(repr(self.uplift_percent or 0.0))
        return base * (1 + uplift / 100)

    def unlink(self):
        # after the deletion and its checks (a sealed run's records are refused first)
        model, ids = self._name, self.ids
        result = super().unlink()
        self.env["cloud.cost.allocation.line"]._forget(model, ids)
        return result
