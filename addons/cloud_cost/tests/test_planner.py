import psycopg2

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..core.planner import query_settings


@tagged("post_install", "-at_install")
class TestQuerySettings(TransactionCase):
    def setting(self, name):
        self.env.cr.execute("SELECT current_setting(%s)", [name])
        return self.env.cr.fetchone()[0]

    def test_settings_hold_in_the_block_and_are_put_back_after(self):
        before = self.setting("work_mem"), self.setting("enable_nestloop")
        with query_settings(self.env.cr, work_mem="64MB", enable_nestloop="off"):
            self.assertEqual((self.setting("work_mem"), self.setting("enable_nestloop")), ("64MB", "off"))
        self.assertEqual((self.setting("work_mem"), self.setting("enable_nestloop")), before)
        with query_settings(self.env.cr):  # nothing asked: nothing changed
            self.assertEqual(self.setting("work_mem"), before[0])

    def test_a_failed_statement_is_reported_and_its_rollback_undoes_the_settings(self):
        before = self.setting("work_mem")
        with self.assertRaises(psycopg2.errors.DivisionByZero), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint(), query_settings(self.env.cr, work_mem="64MB"):
                self.env.cr.execute("SELECT 1 / 0")
        self.assertEqual(self.setting("work_mem"), before)
