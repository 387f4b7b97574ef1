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

    def action_view_cost_lines(self):
        """The cost lines behind this line, as the run took them."""
        self.ensure_one()
        RunCost = self.env["cloud.cost.allocation.run.cost"]
        domain = [("run_id", "=", self.run_id.id)]
        if self.sender_pool_id:
            sender = self.run_id.sender_ids.filtered(lambda s: s.pool_id == self.sender_pool_id)
            domain.append(("cost_pool_id", "in", (self.sender_pool_id | sender.upstream_pool_ids).ids))
            if self.line_type == "allocation" and self.method == "direct":
                domain.append(("analytic_account_id", "=", self.analytic_account_id.id))
        elif self.line_type == "direct":
            domain += [("cost_pool_id", "=", False), ("analytic_account_id", "=", self.analytic_account_id.id)]
        else:
            domain += [("cost_pool_id", "=", False), ("analytic_account_id", "=", False)]
        for field_name in ("environment", "tenant", "service_name", "provider_name", "service_category"):
            if self[field_name] and (self.line_type in ("direct", "unallocated") or self.method == "direct"):
                domain.append((f"cost_line_id.{field_name}", "=", self[field_name]))
        return RunCost._open(domain, _("Cost lines behind the allocation line"))
