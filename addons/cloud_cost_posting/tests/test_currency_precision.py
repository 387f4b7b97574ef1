"""Allocation and posting in companies whose currency has no decimals (JPY) and three (KWD)."""

from collections import defaultdict
from decimal import Decimal

from odoo.tests import tagged
from odoo.tests.common import new_test_user

from odoo.addons.cloud_cost_allocation.tests.common import AllocationCase

from .test_posting import PostingCase

# Per currency: the platform pool's cost lines, the runtime pool's, a direct cost line, and what the run must give:
# the total rounded once to the currency's smallest unit, and each business unit's share in that unit.
CASES = {
    "JPY": {
        # the groups are rounded by cumulative rounding in the order of their keys (direct cost first):
        # direct 500.6 -> 501; platform 3001.7 -> 3001 (3502.3 -> 3502); runtime 77.6 -> 78 (3579.9 -> 3580)
        "platform": ["1000.4", "2001.3"],
        "runtime": ["77.6"],
        "direct": "500.6",
        "own": {"PLAT": Decimal("3001"), "RUNT": Decimal("78")},
        "total": Decimal("3580"),
        # platform 3001 over CPU 1:1:1 -> 1001, 1000, 1000; runtime 78 over users 3:1 -> 58.5, 19.5: 59, 19
        "by_receiver": {"Retail": Decimal("1561"), "Payments": Decimal("1019"), "Data": Decimal("1000")},
        "per_user": 895.0,
    },
    "KWD": {
        # direct 5.0006 -> 5.001; platform 30.0017 -> 30.001 (35.0023 -> 35.002); runtime 0.7776 -> 0.778
        "platform": ["10.0004", "20.0013"],
        "runtime": ["0.7776"],
        "direct": "5.0006",
        "own": {"PLAT": Decimal("30.001"), "RUNT": Decimal("0.778")},
        "total": Decimal("35.780"),
        # platform 30.001 -> 10.001, 10.000, 10.000; runtime 0.778 over users 3:1 -> 0.5835, 0.1945: 0.584, 0.194
        "by_receiver": {"Retail": Decimal("15.586"), "Payments": Decimal("10.194"), "Data": Decimal("10.000")},
        "per_user": 8.945,
    },
}


class CurrencyCase(PostingCase):
    """A company keeping its books in ``currency_code``, with two pools split over three business units."""

    currency_code = None

    @classmethod
    def setUpClass(cls):
        super(AllocationCase, cls).setUpClass()  # noqa: UP008 - the allocation company is not this one
        env = cls.env
        case = CASES[cls.currency_code]
        cls.currency = env.ref(f"base.{cls.currency_code}")
        cls.currency.active = True
        cls.company = env["res.company"].create({"name": f"{cls.currency_code} Co", "currency_id": cls.currency.id})
        company = cls.company
        plan = env["account.analytic.plan"].create({"name": f"Units {cls.currency_code}"})
        Account = env["account.analytic.account"]
        cls.retail, cls.payments, cls.data = (
            Account.create({"name": name, "plan_id": plan.id, "company_id": company.id})
            for name in ("Retail", "Payments", "Data")
        )
        Pool = env["cloud.cost.pool"]
        cls.platform = Pool.create({"name": "Shared platform", "code": "PLAT", "company_id": company.id})
        cls.runtime = Pool.create({"name": "Tenant runtime", "code": "RUNT", "company_id": company.id})
        Key = env["cloud.cost.allocation.key"]
        cls.cpu = Key.create({"name": "CPU", "code": "CPU", "unit": "core-hours", "company_id": company.id})
        cls.users_key = Key.create(
            {"name": "Users", "code": "USERS", "unit": "users", "company_id": company.id, "measure": "active_users"}
        )
        cls.source = env["cloud.cost.source"].create({"name": "FOCUS export", "company_id": company.id})
        cls.make_batch(
            [(cls.platform, None, amount, "prod", "Compute") for amount in case["platform"]]
            + [(cls.runtime, None, amount, "prod", "Compute") for amount in case["runtime"]]
            + [(None, cls.retail, case["direct"], "prod", "Compute")]
        )
        cls.set_driver(cls.cpu, {cls.retail: 1, cls.payments: 1, cls.data: 1})
        cls.set_driver(cls.users_key, {cls.retail: 3, cls.payments: 1})
        cls.policy = env["cloud.cost.allocation.policy"].create(
            {
                "name": "Month-end",
                "code": "MONTH",
                "company_id": company.id,
                "user_key_id": cls.users_key.id,
                "step_ids": [
                    (
                        0,
                        0,
                        {"sequence": 1, "sender_pool_id": cls.platform.id, "method": "driver", "key_id": cls.cpu.id},
                    ),
                    (
                        0,
                        0,
                        {
                            "sequence": 2,
                            "sender_pool_id": cls.runtime.id,
                            "method": "driver",
                            "key_id": cls.users_key.id,
                        },
                    ),
                ],
            }
        )
        cls.accounts = cls.make_accounts(company)
        company.write(
            {
                "cloud_cost_journal_id": cls.accounts["journal"].id,
                "cloud_cost_chargeback_account_id": cls.accounts["chargeback"].id,
                "cloud_cost_clearing_account_id": cls.accounts["clearing"].id,
            }
        )

        def user(login, group):
            return new_test_user(
                env,
                login=f"{login}_{cls.currency_code.lower()}",
                groups=f"base.group_user,cloud_cost.{group}",
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.controller = user("cur_controller", "group_cloud_cost_controller")
        cls.controller_2 = user("cur_controller_2", "group_cloud_cost_controller")

    def exact(self, sql, params):
        """Amounts as PostgreSQL holds them (numeric), not through floats."""
        self.env.flush_all()
        self.env.cr.execute(sql, params)
        return [Decimal(value) if value is not None else None for (value,) in self.env.cr.fetchall()]

    def assert_in_smallest_unit(self, values):
        unit = Decimal(1).scaleb(-self.currency.decimal_places)
        for value in values:
            self.assertEqual(Decimal(value), Decimal(value).quantize(unit), f"{value} is not in {unit} steps")

    def check_allocation_and_posting(self):
        case = CASES[self.currency_code]
        run = self.approved_run()
        self.assertTrue(run.checks_passed)
        self.assertEqual(Decimal(str(run.total_cost)), case["total"])
        self.assertIn(f"{case['total']:,.{self.currency.decimal_places}f}", run.summary)

        # every allocation line in the currency's smallest unit, final lines adding up to the total
        amounts = self.exact("SELECT amount::text FROM cloud_cost_allocation_line WHERE run_id = %s", [run.id])
        self.assertTrue(amounts)
        self.assert_in_smallest_unit(amounts)
        by_receiver = defaultdict(Decimal)
        for line in run.line_ids.filtered(lambda line: line.is_final):
            by_receiver[line.analytic_account_id.name] += Decimal(str(line.amount))
        self.assertEqual(dict(by_receiver), case["by_receiver"])
        self.assertEqual(sum(by_receiver.values()), case["total"])

        # every sender credited 100 %: its lines add up to its own cost, to the smallest unit
        self.assertEqual(len(run.sender_ids), 2)
        for sender in run.sender_ids:
            own = case["own"][sender.pool_id.code]
            self.assertEqual(Decimal(str(sender.own_amount)), own)
            self.assertEqual((sender.credited_percent, sender.kept_amount, sender.balanced), (100.0, 0.0, True))
            self.assertEqual(Decimal(str(sender.credited_amount)), own)
            lines = self.exact(
                "SELECT SUM(amount)::text FROM cloud_cost_allocation_line WHERE run_id = %s " "AND sender_pool_id = %s",
                [run.id, sender.pool_id.id],
            )
            self.assertEqual(lines, [own])

        # cost per user in currency, from the total in the currency's unit (4 users)
        self.assertAlmostEqual(run.cost_per_user, case["per_user"], places=4)

        run.with_user(self.controller).action_post()
        move = run.move_ids
        self.assertEqual((len(move), move.state, move.currency_id), (1, "posted", self.currency))
        debits = self.exact("SELECT debit::text FROM account_move_line WHERE move_id = %s", [move.id])
        credits = self.exact("SELECT credit::text FROM account_move_line WHERE move_id = %s", [move.id])
        self.assert_in_smallest_unit(debits + credits)
        self.assertEqual(sum(debits), sum(credits))
        self.assertEqual(sum(debits), case["total"])
        receivers = defaultdict(Decimal)
        for item in move.line_ids.filtered(lambda item: item.cloud_cost_side == "receiver"):
            receivers[item.cloud_cost_receiver_id.name] += Decimal(str(item.debit))
        self.assertEqual(dict(receivers), case["by_receiver"])
        # the analytic lines are the allocation lines, business unit by business unit
        column = self.retail.plan_id._column_name()
        self.env.flush_all()
        self.env.cr.execute(
            f"""SELECT a.{column}, SUM(-a.amount)::text FROM account_analytic_line a
                                  JOIN account_move_line l ON l.id = a.move_line_id
                                 WHERE l.move_id = %s AND a.{column} IS NOT NULL GROUP BY 1""",
            [move.id],
        )
        analytic = {
            self.env["account.analytic.account"].browse(ident).name: Decimal(amount)
            for ident, amount in self.env.cr.fetchall()
        }
        self.assert_in_smallest_unit(analytic.values())
        self.assertEqual(analytic, case["by_receiver"])


@tagged("post_install", "-at_install")
class TestYen(CurrencyCase):
    currency_code = "JPY"

    def test_allocation_and_posting_in_whole_yen(self):
        self.assertEqual(self.currency.decimal_places, 0)
        self.check_allocation_and_posting()


@tagged("post_install", "-at_install")
class TestDinar(CurrencyCase):
    currency_code = "KWD"

    def test_allocation_and_posting_in_fils(self):
        self.assertEqual(self.currency.decimal_places, 3)
        self.check_allocation_and_posting()
