from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import CloudCostCase


@tagged("post_install", "-at_install")
class TestAccess(CloudCostCase):
    def test_auditor_reads_everything_and_writes_nothing(self):
        auditor_env = self.env(user=self.auditor_a)
        lines = auditor_env["cloud.cost.line"].search([("batch_id", "=", self.batch_a.id)])
        self.assertEqual(len(lines), 2)
        self.assertEqual(auditor_env["cloud.cost.pool"].browse(self.pool_a.id).code, "PLAT")
        with self.assertRaises(AccessError):
            lines[0].write({"tenant": "tampered"})
        with self.assertRaises(AccessError):
            auditor_env["cloud.cost.pool"].browse(self.pool_a.id).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            auditor_env["cloud.cost.pool"].create({"name": "New", "code": "NEW"})
        with self.assertRaises(AccessError):
            auditor_env["cloud.cost.import.batch"].browse(self.batch_a.id).unlink()

    def test_company_a_user_cannot_read_company_b_cost_lines(self):
        env_a = self.env(user=self.user_a)
        visible = env_a["cloud.cost.line"].search([])
        self.assertTrue(self.lines_a <= visible.sudo())
        self.assertFalse(visible & self.lines_b.with_env(env_a))
        with self.assertRaises(AccessError):
            self.lines_b.with_env(env_a).read(["effective_cost"])
        # and the other way round
        env_b = self.env(user=self.user_b)
        self.assertEqual(env_b["cloud.cost.line"].search([]), self.lines_b.with_env(env_b))

    def test_cost_user_cannot_change_pools_or_keys(self):
        env_user = self.env(user=self.user_a)
        with self.assertRaises(AccessError):
            env_user["cloud.cost.pool"].browse(self.pool_a.id).write({"name": "Mine now"})
        with self.assertRaises(AccessError):
            env_user["cloud.cost.pool"].create({"name": "Side pool", "code": "SIDE"})
        with self.assertRaises(AccessError):
            env_user["cloud.cost.allocation.key"].browse(self.key_a.id).write({"unit": "pods"})
        with self.assertRaises(AccessError):
            env_user["cloud.cost.allocation.key"].browse(self.key_a.id).unlink()
        # reading is fine
        self.assertEqual(env_user["cloud.cost.allocation.key"].browse(self.key_a.id).unit, "core-hours")

    def test_accountant_classifies_lines_but_cannot_change_pools(self):
        env_acc = self.env(user=self.accountant_a)
        line = env_acc["cloud.cost.line"].browse(self.lines_a[0].id)
        line.write({"cost_pool_id": self.pool_a.id})
        self.assertFalse(line.is_unallocated)
        with self.assertRaises(AccessError):
            env_acc["cloud.cost.pool"].browse(self.pool_a.id).write({"code": "X"})

    def test_controller_maintains_pools_keys_and_tiers(self):
        env_ctl = self.env(user=self.controller_a)
        pool = env_ctl["cloud.cost.pool"].create({"name": "Security", "code": "SEC"})
        self.assertEqual(pool.company_id, self.company_a)
        env_ctl["cloud.cost.allocation.key"].browse(self.key_a.id).write({"unit": "vCPU-hours"})
        tier = env_ctl["cloud.cost.service.tier"].create({"name": "Gold", "code": "GOLD", "availability_target": 99.99})
        self.assertEqual(tier.availability_target, 99.99)
