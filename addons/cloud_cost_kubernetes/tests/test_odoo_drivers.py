"""Drivers from Odoo's own data, on records the tests create (see readme/USAGE.md for what each counts)."""

import itertools
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ClusterCase


@tagged("post_install", "-at_install")
class TestOdooDataDrivers(ClusterCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # records are created now: the period is this month (users and attachments count as of its end)
        cls.date_from = fields.Date.today().replace(day=1)
        cls.date_to = cls.date_from + relativedelta(months=1, days=-1)
        cls.shop = cls.env["res.company"].create({"name": "Served shop"})
        cls.retail.cloud_cost_served_company_id = cls.shop
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id, cls.shop.id]))
        Key = cls.env["cloud.cost.allocation.key"]
        cls.users, cls.items, cls.journal_items, cls.files = (
            Key.create({"name": name, "code": code, "driver_source": "odoo_data", "measure": measure})
            for name, code, measure in (
                ("Users", "OU", "active_users"),
                ("Items", "OI", "posted_move_lines"),
                ("Journal items", "OJ", "journal_items"),
                ("Files", "OF", "attachment_gb"),
            )
        )

    def setUp(self):
        super().setUp()
        self.numbers = itertools.count(1)

    def compute(self, key):
        key._compute_odoo_drivers(self.company, self.date_from, self.date_to)
        return self.values(key)

    def user(self, login, **values):
        return self.env["res.users"].create(
            {
                "name": login,
                "login": login,
                "company_id": self.shop.id,
                "company_ids": [(6, 0, self.shop.ids)],
                **values,
            }
        )

    def post(self, company, journal_unit=False, lines=()):
        """A posted entry of ``lines`` [(amount, analytic distribution)] (debit above zero, credit below)."""
        number = next(self.numbers)
        journal = self.env["account.journal"].create(
            {
                "name": f"Misc {number}",
                "code": f"KM{number}",
                "type": "general",
                "company_id": company.id,
                "cloud_cost_analytic_account_id": journal_unit,
            }
        )
        account = self.env["account.account"].create(
            {
                "name": "Hosting",
                "code": f"6260{number:02d}",
                "account_type": "expense",
                "company_ids": [(6, 0, company.ids)],
            }
        )
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "journal_id": journal.id,
                    "date": self.date_from,
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "account_id": account.id,
                                "debit": max(amount, 0.0),
                                "credit": max(-amount, 0.0),
                                "analytic_distribution": distribution,
                            },
                        )
                        for amount, distribution in lines
                    ],
                }
            )
        )
        move.action_post()
        return journal, move

    def test_active_users_of_the_served_company_or_of_their_own_unit(self):
        for login in ("shop1", "shop2", "shop3"):
            self.user(login)
        self.user("shop4", cloud_cost_analytic_account_id=self.wholesale.id)  # works for wholesale
        self.user("customer", groups_id=[(6, 0, [self.env.ref("base.group_portal").id])])  # portal: not counted
        self.user("left", active=False)  # archived: not counted
        self.assertEqual(self.compute(self.users), {self.retail: 3.0, self.wholesale: 1.0})
        # the users were created after last month: none of them counts for it
        last_month = self.date_from - relativedelta(months=1)
        self.assertEqual(
            self.users._odoo_data_values(self.company, last_month, self.date_from - relativedelta(days=1)), {}
        )

    def test_a_company_served_by_two_units_is_refused(self):
        self.wholesale.cloud_cost_served_company_id = self.shop
        with self.assertRaisesRegex(UserError, "Served shop is served by several business units"):
            self.compute(self.users)

    def test_posted_journal_items_per_business_unit(self):
        retail, wholesale = str(self.retail.id), str(self.wholesale.id)
        self.post(self.company, lines=[(10.0, {retail: 100}), (5.0, {retail: 50, wholesale: 50}), (-15.0, False)])
        _journal, draft = self.post(self.company, lines=[(7.0, {wholesale: 100}), (-7.0, False)])
        draft.button_draft()  # not posted: not counted
        # an item split half and half counts half for each
        self.assertEqual(self.compute(self.items), {self.retail: 1.5, self.wholesale: 0.5})

    def test_posted_journal_items_per_journal(self):
        self.post(self.company, journal_unit=self.wholesale.id, lines=[(10.0, False), (5.0, False), (-15.0, False)])
        self.post(self.company, lines=[(3.0, False), (-3.0, False)])  # a journal of no unit, company served by none
        self.post(self.shop, lines=[(4.0, False), (-4.0, False)])  # the served shop's journal: retail's
        self.assertEqual(self.compute(self.journal_items), {self.wholesale: 3.0, self.retail: 2.0})

    def test_attachment_storage_of_the_served_company(self):
        Attachment = self.env["ir.attachment"]
        before = self.files._odoo_data_values(self.company, self.date_from, self.date_to)
        Attachment.create({"name": "scan.pdf", "raw": b"x" * 2000, "company_id": self.shop.id})
        Attachment.create({"name": "other.pdf", "raw": b"x" * 5000, "company_id": self.company.id})  # not served
        Attachment.create({"name": "link", "type": "url", "url": "https://example.com", "company_id": self.shop.id})
        after = self.files._odoo_data_values(self.company, self.date_from, self.date_to)
        self.assertEqual(after[self.retail.id] - before.get(self.retail.id, 0), Decimal("0.000002"))
        self.assertEqual(set(after), {self.retail.id})
        self.assertEqual(self.compute(self.files), {self.retail: round(float(after[self.retail.id]), 6)})
