from odoo import _, api, fields, models
from odoo.tools import SQL

# the lines of the unallocated and idle fallbacks, beside those of the steps' methods
FALLBACK_METHODS = [("unallocated", "Unallocated policy"), ("idle", "Idle policy")]
LINE_TYPES = [
    ("direct", "Direct cost"),
    ("allocation", "Allocation"),
    ("remainder", "Remainder"),
    ("unallocated", "Unallocated"),
    ("idle", "Idle"),
]
RECEIVER_KINDS = [("analytic", "Business unit"), ("pool", "Cost pool"), ("none", "Kept visible")]
# the dimensions of a line that name its cost lines, when they follow its receiver
COST_VIEW_DIMENSIONS = ("environment", "tenant", "service_name", "provider_name", "service_category")
# the fields of a line whose value its cost lines may have to share: its business unit, its dimensions
RECEIVER_FIELDS = ("analytic_account_id", *COST_VIEW_DIMENSIONS)


def cost_view_conditions(run_id, pool_ids, line_type, method, values):
    """The cost lines behind an allocation line, as (conditions, fields): conditions of the run's cost view
    on its run and sender pool, and the fields of ``RECEIVER_FIELDS`` whose value the cost lines must share
    with the line. ``pool_ids``: its sender pool and the pools upstream of it (none for a direct or
    unallocated line); ``values``: the line's values of ``RECEIVER_FIELDS``, of which only whether each is
    set matters. A pool's share takes all the pool's lines; a direct cost, what was left unallocated and the
    direct method take the receiver's own, of the line's dimensions."""
    analytic, *dimensions = values
    conditions = [("run_id", "=", run_id)]
    shared = []
    if pool_ids:
        conditions.append(("cost_pool_id", "in", list(pool_ids)))
        by_unit = line_type == "allocation" and method == "direct"
    else:
        conditions.append(("cost_pool_id", "=", False))
        by_unit = line_type == "direct"
    if by_unit and analytic:
        shared.append("analytic_account_id")
    elif by_unit or not pool_ids:
        conditions.append(("analytic_account_id", "=", False))
    if line_type in ("direct", "unallocated") or method == "direct":
        shared += [name for name, value in zip(COST_VIEW_DIMENSIONS, dimensions, strict=False) if value]
    return conditions, shared


def cost_view_field(name):
    """The run cost view's field of a field of ``RECEIVER_FIELDS``."""
    return name if name == "analytic_account_id" else f"cost_line_id.{name}"


class Reference(fields.Many2one):
    """A many2one of the allocation lines without a database foreign key.

    A run writes hundreds of thousands of lines with one COPY, and PostgreSQL checks a foreign key row by
    row: four keys cost three times the COPY itself. The lines are written only by their run, from the
    records it has just read; they are removed with their run (``_clear_results``), and a record they name
    that is deleted is cleared from them as ``ON DELETE SET NULL`` would (``_forget``)."""

    def update_db_foreign_key(self, model, column):
        return


class CloudCostAllocationLine(models.Model):
    """An amount moved from a pool (or a direct cost) to a receiver by a run.

    Written in bulk by the run (COPY), never edited. Final lines (receivers that are
    not pools) add up to the run's total cost.
    """

    _name = "cloud.cost.allocation.line"
    _description = "Allocation Line"
    _inherit = ["cloud.cost.guarded.mixin"]
    _guarded_records = True
    _order = "run_id desc, step_sequence, id"
    _log_access = False  # the run records who computed it and when
    _rec_name = "run_id"

    run_id = Reference("cloud.cost.allocation.run", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = Reference("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date("Month", required=True, readonly=True, help="First day of the run's period.")
    step_id = Reference("cloud.cost.allocation.step", index="btree_not_null", ondelete="set null", readonly=True)
    step_sequence = fields.Integer(readonly=True)
    sender_pool_id = Reference("cloud.cost.pool", "Sender Pool", index="btree_not_null", readonly=True)
    receiver_kind = fields.Selection(RECEIVER_KINDS, required=True, readonly=True)
    analytic_account_id = Reference("account.analytic.account", "Business Unit", index="btree_not_null", readonly=True)
    receiver_pool_id = Reference("cloud.cost.pool", "Receiving Pool", readonly=True)
    method = fields.Selection(selection="_selection_method", readonly=True)
    line_type = fields.Selection(LINE_TYPES, required=True, readonly=True)
    is_final = fields.Boolean("Final", readonly=True, help="The receiver is not a pool: counted in showback.")
    driver_key_id = Reference("cloud.cost.allocation.key", "Allocation Key", readonly=True)
    driver_value = fields.Float(
        digits=(38, 6),
        readonly=True,
        help="Driver units, direct cost, percentage or 1 (even) that weighed the receiver.",
    )
    share = fields.Float(digits=(16, 12), readonly=True, help="Share of the sender's amount.")
    unit_price = fields.Float(digits=(16, 6), readonly=True, help="Rate card price per driver unit (tiers).")
    amount = fields.Monetary(readonly=True)
    environment = fields.Char(readonly=True)
    tenant = fields.Char(readonly=True)
    service_tier_id = Reference("cloud.cost.service.tier", readonly=True)
    service_name = fields.Char("Service", readonly=True)
    provider_name = fields.Char("Provider", readonly=True)
    service_category = fields.Char(readonly=True)

    @api.model
    def _selection_method(self):
        """The steps' methods (the suite's and those other addons add) and the fallbacks."""
        return list(self.env["cloud.cost.allocation.step"]._fields["method"].selection) + FALLBACK_METHODS

    def init(self):
        # databases made before the lines' references went without foreign keys
        self.env.cr.execute(
            """SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'""", [self._table]
        )
        names = [name for (name,) in self.env.cr.fetchall()]
        for name in names:
            self.env.cr.execute(
                SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(self._table), SQL.identifier(name))
            )
        if names:
            self.env.cr.execute("DELETE FROM ir_model_constraint WHERE name = ANY(%s) AND type = 'f'", [names])

    @api.model
    def _forget(self, model, ids):
        """Clear the deleted records ``ids`` of ``model`` from the lines that name them, as a foreign key's
        SET NULL would."""
        if not ids:
            return
        self.env.flush_all()
        for name, field in self._fields.items():
            if isinstance(field, Reference) and field.comodel_name == model and name != "run_id":
                self.env.cr.execute(
                    f"UPDATE {self._table} SET {name} = NULL WHERE {name} = ANY(%s)",  # noqa: S608 - our names
                    [list(ids)],
                )
        self.invalidate_model()

    def _sender_pool_ids(self):
        """The line's sender pool and the pools upstream of it, whose cost lines it shares out (none without)."""
        if not self.sender_pool_id:
            return []
        sender = self.run_id.sender_ids.filtered(lambda s: s.pool_id == self.sender_pool_id)
        return (self.sender_pool_id | sender.upstream_pool_ids).ids

    def action_view_cost_lines(self):
        """The cost lines behind this line, as the run took them."""
        self.ensure_one()
        RunCost = self.env["cloud.cost.allocation.run.cost"]
        conditions, shared = cost_view_conditions(
            self.run_id.id,
            self._sender_pool_ids(),
            self.line_type,
            self.method,
            [self[name] for name in RECEIVER_FIELDS],
        )
        domain = conditions + [
            (cost_view_field(name), "=", self[name].id if name == "analytic_account_id" else self[name])
            for name in shared
        ]
        return RunCost._open(domain, _("Cost lines behind the allocation line"))
