from odoo import _, api, models
from odoo.exceptions import UserError

from .cloud_cost_allocation_run import DRIVER_VALUE_COLUMNS, SEALED_STATES, SQL_RUN_READS_KEY
from .cloud_cost_audit_sealed_mixin import changing_fields

DRIVER_VALUE_FIELDS = frozenset(DRIVER_VALUE_COLUMNS) - {"id"}


class CloudCostDriverValue(models.Model):
    """A driver value a sealed run read (its company, one of the keys its snapshot froze, within its period)
    is part of the run's sealed inputs: it is not changed, deleted, or joined by another one."""

    _inherit = "cloud.cost.driver.value"

    def _sealed_runs_reading(self):
        """{driver value: the first sealed run whose inputs hold it}."""
        if not self.ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            f"""SELECT DISTINCT ON (v.id) v.id, r.id
                  FROM cloud_cost_driver_value v
                  JOIN cloud_cost_allocation_run r
                    ON r.company_id = v.company_id AND r.date_from <= v.date_from AND r.date_to >= v.date_to
                   AND r.state = ANY(%s) AND {SQL_RUN_READS_KEY}
                 WHERE v.id = ANY(%s)
              ORDER BY v.id, r.id""",
            [list(SEALED_STATES), self.ids],
        )  # noqa: S608 - our own SQL
        Run = self.env["cloud.cost.allocation.run"].sudo()
        return {self.browse(value_id): Run.browse(run_id) for value_id, run_id in self.env.cr.fetchall()}

    def _check_not_sealed_input(self, message):
        used = self._sealed_runs_reading()
        if used:
            value, run = next(iter(used.items()))
            raise UserError(
                message
                % {
                    "value": f"{value.key_id.display_name} / {value.analytic_account_id.display_name} "
                    f"({value.date_from} - {value.date_to}: {value.value})",
                    "run": run.display_name,
                }
            )

    @api.model_create_multi
    def create(self, vals_list):
        # checked on the records as created (defaults included), undone when refused
        with self.env.cr.savepoint():
            values = super().create(vals_list)
            values._check_not_sealed_input(
                _(
                    "%(value)s falls within the period and keys of sealed allocation run %(run)s, whose driver values "
                    "are sealed: no value is added to them. Reset the run to draft (approved) or reverse it (posted) "
                    "first."
                )
            )
        return values

    def write(self, vals):
        names = DRIVER_VALUE_FIELDS & set(vals)
        if names and any(changing_fields(value, vals, names) for value in self):
            self._check_not_sealed_input(
                _(
                    "Driver value %(value)s was read by sealed allocation run %(run)s: it cannot change. Reset the run "
                    "to draft (approved) or reverse it (posted) first."
                )
            )
            with self.env.cr.savepoint():
                result = super().write(vals)
                # nor may a value move into a sealed run's inputs
                self._check_not_sealed_input(
                    _(
                        "%(value)s would fall within the period and keys of sealed allocation run %(run)s, whose "
                        "driver values are sealed. Reset the run to draft (approved) or reverse it (posted) first."
                    )
                )
            return result
        return super().write(vals)

    def unlink(self):
        self._check_not_sealed_input(
            _(
                "Driver value %(value)s was read by sealed allocation run %(run)s: it cannot be deleted. Reset the run "
                "to draft (approved) or reverse it (posted) first."
            )
        )
        return super().unlink()
