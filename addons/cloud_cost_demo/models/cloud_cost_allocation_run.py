from odoo import api, fields, models

from odoo.addons.cloud_cost.core.periods import month_end

from ..core.drivers import month_drivers
from ..core.focus_month import month_starts
from ..core.opencost_month import generate_usage_month, to_csv


class CloudCostAllocationRun(models.Model):
    _inherit = "cloud.cost.allocation.run"

    @api.model
    def _load_demo_runs(self, policy_xmlid, months=2):
        """Cluster usage and driver values of the demo months, then one run per month: the older posted, the
        last computed.

        The runs are computed by the administrator and the older one approved by the demo user, a second
        controller (four eyes), as at a real month-end.
        """
        policy = self.env.ref(policy_xmlid)
        admin, second = self.env.ref("base.user_admin"), self.env.ref("base.user_demo")
        Value = self.env["cloud.cost.driver.value"]
        cluster = self.env.ref("cloud_cost_demo.usage_source_shared_cluster")
        starts = month_starts(fields.Date.context_today(self), months)
        runs = self.browse()
        for index, start in enumerate(starts):
            end = month_end(start)
            # the shared cluster's usage, from OpenCost's daily export: CPU and memory drivers
            cluster._import_csv(to_csv(generate_usage_month(start)), f"opencost-{start:%Y-%m}.csv")
            cluster._compute_cluster_drivers(policy.company_id, start, end)
            Value.create(
                [
                    {
                        "key_id": self.env.ref(key).id,
                        "analytic_account_id": self.env.ref(unit).id,
                        "company_id": policy.company_id.id,
                        "date_from": start,
                        "date_to": end,
                        "value": value,
                        "origin": "manual",
                        "note": "demo",
                    }
                    for (key, unit), value in month_drivers(index).items()
                ]
            )
            run = self.with_user(admin).create(
                {"policy_id": policy.id, "company_id": policy.company_id.id, "date_from": start, "date_to": end}
            )
            run.action_compute()
            runs |= run
        older = runs[0]
        older.with_user(second).action_approve()
        older.with_user(admin).action_post()
        return runs
