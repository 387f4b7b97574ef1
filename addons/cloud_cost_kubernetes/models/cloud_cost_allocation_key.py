from odoo import _, models
from odoo.exceptions import UserError

ODOO_MEASURES = ("active_users", "posted_move_lines", "attachment_gb")


class CloudCostAllocationKey(models.Model):
    _inherit = "cloud.cost.allocation.key"

    def _odoo_data_values(self, company, date_from, date_to):
        """{analytic account id: value} of this key's Odoo-data measure for the period.

        - active_users: internal users (not portal, not archived) of the company a business unit serves;
        - posted_move_lines: posted journal items of the period whose analytic distribution names the
          business unit (any plan);
        - attachment_gb: file storage of the attachments of the company a business unit serves, in GB.
        """
        self.ensure_one()
        cr = self.env.cr
        self.env.flush_all()  # counted in SQL below
        units = self.env["account.analytic.account"].sudo().search([("company_id", "in", [False, company.id])])
        if self.measure == "posted_move_lines":
            cr.execute(
                """SELECT key::int, count(*)
                     FROM account_move_line l, jsonb_object_keys(l.analytic_distribution) AS keys(combined),
                          unnest(string_to_array(combined, ',')) AS key
                    WHERE l.parent_state = 'posted' AND l.company_id = %s AND l.date BETWEEN %s AND %s
                 GROUP BY 1""",
                [company.id, date_from, date_to],
            )
            counts = dict(cr.fetchall())
            return {unit.id: float(counts[unit.id]) for unit in units if counts.get(unit.id)}
        served = units.filtered("cloud_cost_served_company_id")
        if self.measure == "active_users":
            values = {}
            for unit in served:
                values[unit.id] = float(self.env["res.users"].sudo().search_count([
                    ("share", "=", False), ("active", "=", True),
                    ("company_ids", "in", unit.cloud_cost_served_company_id.ids)]))
            return {k: v for k, v in values.items() if v}
        if self.measure == "attachment_gb":
            cr.execute("SELECT company_id, sum(file_size) FROM ir_attachment WHERE company_id IN %s GROUP BY 1",
                       [tuple(served.cloud_cost_served_company_id.ids) or (0,)])
            sizes = dict(cr.fetchall())
            return {unit.id: round(sizes[unit.cloud_cost_served_company_id.id] / 1e9, 9)
                    for unit in served if sizes.get(unit.cloud_cost_served_company_id.id)}
        raise UserError(_("Allocation key %(key)s measures %(measure)s, which Odoo data does not give.",
                          key=self.display_name, measure=self.measure))

    def _compute_odoo_drivers(self, company, date_from, date_to):
        """Write the period's driver values of these Odoo-data keys (earlier ones of that origin replaced)."""
        Value = self.env["cloud.cost.driver.value"].sudo()
        for key in self.filtered(lambda k: k.measure in ODOO_MEASURES):
            values = key._odoo_data_values(company, date_from, date_to)
            Value.search([("key_id", "=", key.id), ("company_id", "=", company.id), ("date_from", "=", date_from),
                          ("date_to", "=", date_to), ("origin", "=", "odoo_data")]).unlink()
            Value.create([{
                "key_id": key.id, "company_id": company.id, "date_from": date_from, "date_to": date_to,
                "analytic_account_id": unit, "value": value, "origin": "odoo_data",
                "origin_ref": f"{key.measure} of {date_from} to {date_to}",
            } for unit, value in sorted(values.items())])
        return True
