from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..core.drivers import month_drivers
from ..core.focus_month import month_starts


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    @api.model
    def _load_demo_runs(self, policy_xmlid, months=2):
        """Driver values of the demo months, then one run per month: the older posted, the last computed.

        The runs are computed by the administrator and the older one approved by the demo user, a second
        controller (four eyes), as at a real month-end.
        """
        policy = self.env.ref(policy_xmlid)
        admin, second = self.env.ref("base.user_admin"), self.env.ref("base.user_demo")
        Value = self.env["cloud.cost.driver.value"]
        starts = month_starts(fields.Date.context_today(self), months)
        runs = self.browse()
        for index, start in enumerate(starts):
            end = start + relativedelta(day=31)
            Value.create([
                {"key_id": self.env.ref(key).id, "analytic_account_id": self.env.ref(unit).id,
                 "company_id": policy.company_id.id, "date_from": start, "date_to": end, "value": value,
                 "origin": "manual", "note": "demo"}
                for (key, unit), value in month_drivers(index).items()
            ])
            run = self.with_user(admin).create({"policy_id": policy.id, "company_id": policy.company_id.id,
                                                "date_from": start, "date_to": end})
            run.action_compute()
            runs |= run
        older = runs[0]
        older.with_user(second).action_approve()
        older.with_user(admin).action_post()
        return runs
