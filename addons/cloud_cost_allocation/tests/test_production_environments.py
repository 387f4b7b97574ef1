from odoo.tests import tagged

from .common import AllocationCase


@tagged("post_install", "-at_install")
class TestProductionEnvironments(AllocationCase):
    def test_a_run_counts_non_production_cost_by_its_companys_production_environments(self):
        self.assertEqual(self.company.cloud_cost_production_environments, "prod,production,prd,live")
        self.assertEqual(self.policy.production_environments, "prod,production,prd,live")
        # staging is production for this company: only the dev line (50.00) is non-production
        self.company.cloud_cost_production_environments = "prod, Staging"
        self.assertEqual(self.policy.production_environments, "prod, Staging")
        run = self.new_run()
        run.action_compute()
        self.assertEqual((run.non_production_amount, run.non_production_percent), (50.0, 4.65))
        # another company's setting is its own
        self.assertEqual(self.other_company.cloud_cost_production_environments, "prod,production,prd,live")
