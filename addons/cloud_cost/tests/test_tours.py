from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestControllerTour(HttpCase):
    """The UI as a controller uses it, in a real browser."""

    def test_controller_creates_a_pool_from_the_accounting_menu(self):
        company = self.env.ref("base.main_company")
        self.env["cloud.cost.pool"].create({"name": "Observability stack", "code": "OBS", "company_id": company.id})
        controller = new_test_user(
            self.env,
            login="cc_tour_controller",
            groups="base.group_user,account.group_account_manager,cloud_cost.group_cloud_cost_controller",
            company_id=company.id,
        )

        self.start_tour("/odoo", "cloud_cost_controller_creates_pool", login=controller.login)

        pool = self.env["cloud.cost.pool"].search([("code", "=", "DR"), ("company_id", "=", company.id)])
        self.assertEqual(pool.name, "Disaster recovery site")
        self.assertEqual(pool.pool_type, "resilience")
        self.assertEqual(pool.create_uid, controller)
