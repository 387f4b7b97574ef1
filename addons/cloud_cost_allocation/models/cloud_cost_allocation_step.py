from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..core import methods as method_registry

# the suite's own methods; another addon adds its own by selection_add (and registers its class)
METHODS = method_registry.selection(method_registry.BUILTIN)
# what a step of a method is configured with, read from the method's class: the form shows those fields only
METHOD_FLAGS = (
    "uses_driver",
    "uses_category",
    "uses_base_price",
    "uses_fixed_shares",
    "uses_receivers",
    "uses_exclusions",
    "uses_remainder",
    "reciprocal",
)
COST_CATEGORIES = [
    ("all", "All services"),
    ("compute", "Compute"),
    ("storage", "Storage"),
    ("network", "Networking"),
]


class CloudCostAllocationStep(models.Model):
    """One step of a policy: a sender pool split over receivers by one method."""

    _name = "cloud.cost.allocation.step"
    _description = "Allocation Step"
    _order = "policy_id, sequence, id"
    _check_company_auto = True

    policy_id = fields.Many2one("cloud.cost.allocation.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(help="Shown in error messages and on the allocation lines.")
    sender_pool_id = fields.Many2one("cloud.cost.pool", "Sender Pool", required=True, check_company=True)
    method = fields.Selection(METHODS, required=True, default="driver")
    uses_driver = fields.Boolean(compute="_compute_method_flags")
    uses_category = fields.Boolean(compute="_compute_method_flags")
    uses_base_price = fields.Boolean(compute="_compute_method_flags")
    uses_fixed_shares = fields.Boolean(compute="_compute_method_flags")
    uses_receivers = fields.Boolean(compute="_compute_method_flags")
    uses_exclusions = fields.Boolean(compute="_compute_method_flags")
    uses_remainder = fields.Boolean(compute="_compute_method_flags")
    reciprocal = fields.Boolean("Reciprocal Method", compute="_compute_method_flags")
    key_id = fields.Many2one(
        "cloud.cost.allocation.key",
        "Allocation Key",
        check_company=True,
        help="Driver whose values for the period weigh the receivers (driver and tier methods).",
    )
    cost_category = fields.Selection(
        COST_CATEGORIES,
        default="all",
        required=True,
        help="Proportional to direct cost: count only the receivers' cost of this FOCUS service category.",
    )
    receiver_analytic_ids = fields.Many2many(
        "account.analytic.account",
        "cloud_cost_allocation_step_receiver_analytic_rel",
        "step_id",
        "analytic_id",
        string="Receiving Business Units",
        check_company=True,
        help="Empty: the method's receivers: business units with driver values (driver, tier) or with "
        "direct cost in the period (even, direct cost).",
    )
    receiver_pool_ids = fields.Many2many(
        "cloud.cost.pool",
        "cloud_cost_allocation_step_receiver_pool_rel",
        "step_id",
        "pool_id",
        string="Receiving Pools",
        check_company=True,
        help="Pools allocated in a later step (step-down) or in the same reciprocal group.",
    )
    excluded_analytic_ids = fields.Many2many(
        "account.analytic.account",
        "cloud_cost_allocation_step_excluded_analytic_rel",
        "step_id",
        "analytic_id",
        string="Excluded Business Units",
        check_company=True,
    )
    excluded_pool_ids = fields.Many2many(
        "cloud.cost.pool",
        "cloud_cost_allocation_step_excluded_pool_rel",
        "step_id",
        "pool_id",
        string="Excluded Pools",
        check_company=True,
    )
    percent_ids = fields.One2many("cloud.cost.allocation.step.percent", "step_id", string="Percentages", copy=True)
    percent_total = fields.Float(compute="_compute_percent_total", digits=(6, 2))
    remainder_target = fields.Selection(
        [("keep", "Keep in the pool (idle)"), ("analytic", "A business unit"), ("pool", "A later pool")],
        default="keep",
        required=True,
        help="Direct attribution and tiers: where the cost the method does not place goes.",
    )
    remainder_analytic_id = fields.Many2one("account.analytic.account", "Remainder Business Unit", check_company=True)
    remainder_pool_id = fields.Many2one("cloud.cost.pool", "Remainder Pool", check_company=True)
    base_price = fields.Float(
        "Base Price per Unit",
        digits=(16, 6),
        help="Tier method: price per driver unit for receivers whose tier has no rate for this key; "
        "the tier's premium uplift is added on top.",
    )
    reciprocal_group = fields.Char(
        help="Steps with the same group are solved together as a linear system (pools serving each other).",
    )

    @api.depends("method")
    def _compute_method_flags(self):
        for step in self:
            method = step._method()
            for flag in METHOD_FLAGS:
                step[flag] = bool(method and getattr(method, flag))

    def _method(self):
        """The step's allocation method (``core.methods``), None when no class is registered for it."""
        self.ensure_one()
        return method_registry.get(self.method) if method_registry.is_registered(self.method or "") else None

    @api.depends("percent_ids.percent")
    def _compute_percent_total(self):
        for step in self:
            step.percent_total = float(sum((p._decimal_percent() for p in step.percent_ids), Decimal(0)))

    @api.constrains(
        "method",
        "key_id",
        "percent_ids",
        "reciprocal_group",
        "remainder_target",
        "remainder_analytic_id",
        "remainder_pool_id",
        "receiver_pool_ids",
        "sender_pool_id",
    )
    def _check_method(self):
        for step in self:
            label = step._label()
            method = step._method()
            if method is None:
                raise ValidationError(
                    _("%(step)s: no allocation method %(method)s is installed.", step=label, method=step.method)
                )
            for problem in method.validate(step._snapshot()):
                raise ValidationError(_("%(step)s: %(problem)s", step=label, problem=problem))
            if step.remainder_target == "analytic" and not step.remainder_analytic_id:
                raise ValidationError(_("%s: choose the business unit that receives the remainder.", label))
            if step.remainder_target == "pool" and not step.remainder_pool_id:
                raise ValidationError(_("%s: choose the pool that receives the remainder.", label))
            if step.sender_pool_id in step.receiver_pool_ids:
                raise ValidationError(_("%s: a pool cannot receive its own cost.", label))

    def _label(self):
        self.ensure_one()
        return _(
            "Step %(sequence)s (%(name)s)",
            sequence=self.sequence,
            name=self.name or self.sender_pool_id.display_name or "",
        )

    def _receiver_key(self, analytic=None, pool=None):
        return ("p", pool.id) if pool else ("a", analytic.id)

    def _remainder_key(self):
        self.ensure_one()
        if self.remainder_target == "analytic":
            return ("a", self.remainder_analytic_id.id)
        if self.remainder_target == "pool":
            return ("p", self.remainder_pool_id.id)
        return None

    def _snapshot(self):
        """The step's rule as plain data, kept on each run that used it."""
        self.ensure_one()
        return {
            "id": self.id,
            "sequence": self.sequence,
            "name": self.name or "",
            "sender_pool": [self.sender_pool_id.id, self.sender_pool_id.display_name],
            "method": self.method,
            "key": [self.key_id.id, self.key_id.display_name] if self.key_id else None,
            "cost_category": self.cost_category,
            "receivers": [["a", a.id, a.display_name] for a in self.receiver_analytic_ids]
            + [["p", p.id, p.display_name] for p in self.receiver_pool_ids],
            "excluded": [["a", a.id, a.display_name] for a in self.excluded_analytic_ids]
            + [["p", p.id, p.display_name] for p in self.excluded_pool_ids],
            "percents": [
                [*p._receiver(), str(p._decimal_percent())] for p in self.percent_ids.sorted(lambda p: p._receiver())
            ],
            "remainder": list(self._remainder_key()) if self._remainder_key() else None,
            "base_price": repr(self.base_price),
            "reciprocal_group": self.reciprocal_group or "",
            **(self._method().rule_snapshot(self) if self._method() else {}),
        }

    def unlink(self):
        # after the deletion and its checks (a sealed run's records are refused first)
        model, ids = self._name, self.ids
        result = super().unlink()
        self.env["cloud.cost.allocation.line"]._forget(model, ids)
        return result
