from collections import defaultdict

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.cloud_cost_allocation.tests.common import AllocationCase


class PostingCase(AllocationCase):
    """The allocation test company with a chart of a few accounts and a chargeback journal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accounts = cls.make_accounts(cls.company)
        cls.company.write(
            {
                "cloud_cost_journal_id": cls.accounts["journal"].id,
                "cloud_cost_chargeback_account_id": cls.accounts["chargeback"].id,
                "cloud_cost_clearing_account_id": cls.accounts["clearing"].id,
                "cloud_cost_due_from_account_id": cls.accounts["due_from"].id,
            }
        )
        cls.platform_clearing = cls.env["account.account"].create(
            {
                "code": "628100",
                "name": "Shared platform clearing",
                "account_type": "expense",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.platform.clearing_account_id = cls.platform_clearing

    @classmethod
    def make_accounts(cls, company):
        Account = cls.env["account.account"].with_company(company)

        def account(code, name, kind):
            return Account.create(
                {"code": code, "name": name, "account_type": kind, "company_ids": [(6, 0, company.ids)]}
            )

        return {
            "chargeback": account("628900", "Cloud cost chargeback", "expense"),
            "clearing": account("628000", "Cloud cost clearing", "expense"),
            "due_from": account("185000", "Intercompany due from", "asset_current"),
            "due_to": account("485000", "Intercompany due to", "liability_current"),
            "journal": cls.env["account.journal"].create(
                {"name": "Cloud chargeback", "code": "CCB", "type": "general", "company_id": company.id}
            ),
        }

    def approved_run(self):
        run = self.new_run(user=self.controller)
        run.with_user(self.controller).action_compute()
        run.with_user(self.controller_2).action_approve()
        return run

    def final_by_receiver(self, run):
        totals = defaultdict(float)
        for line in run.line_ids.filtered(lambda line: line.is_final and line.receiver_kind == "analytic"):
            totals[line.analytic_account_id] += line.amount
        return {account: round(amount, 2) for account, amount in totals.items()}

    def analytic_by_account(self, moves, plan=None):
        """Analytic amounts per account of ``plan`` (default: the business units' plan)."""
        column = (plan or self.retail.plan_id)._column_name()
        totals = defaultdict(float)
        for line in self.env["account.analytic.line"].search([("move_line_id.move_id", "in", moves.ids)]):
            totals[line[column]] += line.amount
        return {account: round(amount, 2) for account, amount in totals.items() if account}


@tagged("post_install", "-at_install")
class TestPosting(PostingCase):
    def test_one_entry_per_run_debits_business_units_credits_pools_and_matches_the_analytic_lines(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()

        self.assertEqual(run.state, "posted")
        self.assertEqual(run.posted_by_id, self.controller)
        move = run.move_ids
        self.assertEqual(len(move), 1)
        self.assertEqual((move.state, move.journal_id, move.date), ("posted", self.accounts["journal"], run.date_to))
        self.assertEqual(move.create_uid, self.controller)
        final = self.final_by_receiver(run)
        debits = move.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver")
        self.assertEqual(debits.account_id, self.accounts["chargeback"])
        self.assertEqual(round(sum(debits.mapped("debit")), 2), round(sum(final.values()), 2))
        for line in debits:
            self.assertEqual(line.analytic_distribution, {str(line.cloud_cost_receiver_id.id): 100.0})
        # the platform pool is credited on its own clearing account, the runtime pool and direct cost on the company's
        platform = move.line_ids.filtered(lambda line: line.cloud_cost_sender_pool_id == self.platform)
        self.assertEqual((platform.account_id, platform.credit), (self.platform_clearing, 300.0))
        self.assertEqual(
            move.line_ids.filtered(
                lambda line: line.cloud_cost_side == "sender" and not line.cloud_cost_sender_pool_id
            ).credit,
            150.0,
        )
        # analytic lines by business unit = the run's allocation lines by receiver, to the cent
        analytic = self.analytic_by_account(move)
        self.assertEqual({account: -amount for account, amount in analytic.items()}, final)
        self.assertEqual(final[self.retail], 525.0)  # 225 platform + 200 runtime + 100 direct

    def test_one_entry_per_receiver(self):
        self.policy.posting_grouping = "receiver"
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        final = self.final_by_receiver(run)
        self.assertEqual(len(run.move_ids), len(final))
        for move in run.move_ids:
            receivers = move.line_ids.cloud_cost_receiver_id
            self.assertEqual(len(receivers), 1)
            self.assertAlmostEqual(move.amount_total, final[receivers], places=2)
            self.assertIn(receivers.name, move.ref)

    def test_distribution_on_business_unit_and_environment_plans(self):
        plan = self.env["account.analytic.plan"].create({"name": "Environments"})
        prod, dev = (
            self.env["account.analytic.account"].create(
                {"name": name, "plan_id": plan.id, "company_id": self.company.id}
            )
            for name in ("prod", "dev")
        )
        self.policy.posting_dimension_ids = [(0, 0, {"plan_id": plan.id, "dimension": "environment"})]
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        line = run.move_ids.line_ids.filtered(
            lambda line: line.cloud_cost_receiver_id == self.payments and line.cloud_cost_environment == "dev"
        )
        self.assertEqual(line.analytic_distribution, {f"{self.payments.id},{dev.id}": 100.0})
        by_environment = self.analytic_by_account(run.move_ids, plan)
        prod_total = sum(
            line.amount
            for line in run.line_ids
            if line.is_final and line.receiver_kind == "analytic" and line.environment == "prod"
        )
        self.assertAlmostEqual(-by_environment[prod], prod_total, places=2)
        self.assertAlmostEqual(-by_environment[dev], 50.0, places=2)
        # the business unit plan still adds up per receiver
        final = self.final_by_receiver(run)
        self.assertEqual({a: -v for a, v in self.analytic_by_account(run.move_ids).items()}, final)

    def test_a_locked_period_is_refused_with_a_clear_message_and_nothing_posted(self):
        run = self.approved_run()
        self.company.fiscalyear_lock_date = "2026-10-31"
        with self.assertRaisesRegex(UserError, r"locked up to .*cannot be posted"):
            run.with_user(self.controller).action_post()
        self.assertEqual(run.state, "approved")
        self.assertFalse(self.env["account.move"].search([("cloud_cost_run_id", "=", run.id)]))

    def test_segregation_of_duties(self):
        run = self.new_run(user=self.controller)
        run.with_user(self.controller).action_compute()
        with self.assertRaisesRegex(UserError, "four eyes"):
            run.with_user(self.controller).action_approve()
        run.with_user(self.controller_2).action_approve()
        for user in (self.accountant, self.auditor, self.cost_user):
            with self.assertRaises(AccessError):
                run.with_user(user).action_post()
        self.assertEqual(run.state, "approved")
        run.with_user(self.controller).action_post()
        with self.assertRaisesRegex(UserError, "cannot be posted"):
            run.with_user(self.controller_2).action_post()
        self.assertEqual(len(run.move_ids), 1)
        # the auditor reads the entries' runs but changes nothing
        self.assertEqual(run.with_user(self.auditor).state, "posted")
        with self.assertRaises(AccessError):
            run.with_user(self.auditor).action_reverse()

    def test_reversal_round_trip_nets_to_zero_and_a_rerun_after_a_restated_bill_posts_fresh(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        original = run.move_ids
        run.with_user(self.controller).action_reverse()

        self.assertEqual(run.state, "reversed")
        reversal = run.move_ids - original
        self.assertEqual(reversal.reversed_entry_id, original)
        self.assertEqual(reversal.state, "posted")
        # the reversal's items keep the chargeback side and the allocation lines of the items they reverse
        for item in reversal.line_ids:
            self.assertTrue(item.cloud_cost_side, item.name)
            self.assertAlmostEqual(
                sum(item.cloud_cost_allocation_line_ids.mapped("amount")), abs(item.balance), places=2, msg=item.name
            )
        self.assertEqual(run.line_ids.move_line_ids, run.move_ids.line_ids)
        self.assertEqual(original.payment_state if original.is_invoice() else "n/a", "n/a")
        balances = defaultdict(float)
        for line in run.move_ids.line_ids:
            balances[line.account_id] += line.balance
        self.assertTrue(all(abs(v) < 0.005 for v in balances.values()), balances)
        analytic = self.analytic_by_account(run.move_ids)
        self.assertTrue(analytic == {} or all(abs(v) < 0.005 for v in analytic.values()), analytic)

        # a restated bill: the period is free for a new run, which posts fresh entries
        self.make_batch([(None, self.payments, "80.00", "prod", "Compute")], period=("2026-10-01", "2026-10-31"))
        rerun = self.approved_run()
        rerun.with_user(self.controller).action_post()
        self.assertEqual(rerun.state, "posted")
        self.assertFalse(rerun.move_ids & run.move_ids)
        self.assertAlmostEqual(sum(rerun.move_ids.mapped("amount_total")) - original.amount_total, 80.0, places=2)

    def test_intercompany_receiver_gets_matching_entries_in_both_companies(self):
        other = self.other_company
        accounts = self.make_accounts(other)
        other.write(
            {
                "cloud_cost_journal_id": accounts["journal"].id,
                "cloud_cost_chargeback_account_id": accounts["chargeback"].id,
                "cloud_cost_clearing_account_id": accounts["clearing"].id,
                "cloud_cost_due_to_account_id": accounts["due_to"].id,
            }
        )
        shared_plan = self.env["account.analytic.plan"].create({"name": "Group business units"})
        subsidiary = self.env["account.analytic.account"].create(
            {
                "name": "Subsidiary shop",
                "plan_id": shared_plan.id,
                "company_id": False,
                "cloud_cost_chargeback_company_id": other.id,
            }
        )
        self.set_driver(self.cpu, {self.retail: 30, self.payments: 10, subsidiary: 20})
        run = self.approved_run()
        run.with_user(self.controller).action_post()

        home = run.move_ids.filtered(lambda m: m.company_id == self.company)
        away = run.move_ids.filtered(lambda m: m.company_id == other)
        self.assertEqual((len(home), len(away)), (1, 1))
        share = 100.0  # 300 platform x 20 / 60
        due_from = home.line_ids.filtered(lambda line: line.account_id == self.accounts["due_from"])
        self.assertEqual(
            (due_from.debit, due_from.cloud_cost_receiver_id, due_from.analytic_distribution),
            (share, subsidiary, False),
        )
        charged = away.line_ids.filtered(lambda line: line.account_id == accounts["chargeback"])
        due_to = away.line_ids.filtered(lambda line: line.account_id == accounts["due_to"])
        self.assertEqual((charged.debit, due_to.credit), (share, share))
        self.assertEqual(charged.analytic_distribution, {str(subsidiary.id): 100.0})
        self.assertEqual(away.state, "posted")
        # both books balance, and the subsidiary's analytic lines carry its share
        self.assertEqual({a: -v for a, v in self.analytic_by_account(away, shared_plan).items()}, {subsidiary: share})

    def test_from_a_journal_item_to_its_allocation_lines(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        for item in run.move_ids.line_ids:
            action = item.with_user(self.auditor).action_view_cloud_cost_allocation_lines()
            lines = self.env["cloud.cost.allocation.line"].with_user(self.auditor).search(action["domain"])
            self.assertTrue(lines, item.name)
            self.assertAlmostEqual(sum(lines.mapped("amount")), abs(item.balance), places=2, msg=item.name)

    def test_month_overview_checklist_follows_the_runs(self):
        overview = (
            self.env["cloud.cost.month.overview"]
            .with_company(self.company)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )
        self.assertFalse(overview.check_runs_approved)
        run = self.approved_run()
        overview.invalidate_recordset()
        self.assertEqual(
            (overview.run_ids, overview.check_runs_approved, overview.check_runs_posted), (run, True, False)
        )
        run.with_user(self.controller).action_post()
        overview.invalidate_recordset()
        self.assertTrue(overview.check_runs_posted)


@tagged("post_install", "-at_install")
class TestPostingSettings(PostingCase):
    """Chargeback styles, business units' own chargeback accounts and several analytic plans at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.runtime_expense = cls.env["account.account"].create(
            {
                "code": "613000",
                "name": "Cloud runtime expense",
                "account_type": "expense",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.runtime.clearing_account_id = cls.runtime_expense

    def final_lines(self, run):
        return run.line_ids.filtered(lambda line: line.is_final and line.receiver_kind == "analytic")

    def balances(self, lines, field="balance"):
        totals = defaultdict(float)
        for line in lines:
            totals[line.account_id] += line[field]
        return {account: round(amount, 2) for account, amount in totals.items()}

    def test_distribution_style_credits_the_original_expense_accounts_and_debits_the_same_accounts(self):
        centers = self.env["account.analytic.plan"].create({"name": "Cost centers"})
        cloud_center = self.env["account.analytic.account"].create(
            {"name": "Cloud platform", "plan_id": centers.id, "company_id": self.company.id}
        )
        self.company.write({"cloud_cost_posting_style": "distribution", "cloud_cost_cost_center_id": cloud_center.id})
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        move = run.move_ids
        self.assertEqual(len(move), 1)
        self.assertEqual(move.state, "posted")

        # the credits land on the accounts the cost lines were booked to: each pool's expense account, the
        # business units' direct cost on the company's; amounts to the cent
        credits = move.line_ids.filtered(lambda line: line.cloud_cost_side == "sender")
        expected = defaultdict(float)
        for line in self.final_lines(run):
            account = line.sender_pool_id.clearing_account_id or self.accounts["clearing"]
            expected[account] += line.amount
        self.assertEqual(self.balances(credits, "credit"), {a: round(v, 2) for a, v in expected.items()})
        self.assertEqual(
            self.balances(credits, "credit"),
            {self.platform_clearing: 300.0, self.runtime_expense: 500.0, self.accounts["clearing"]: 150.0},
        )
        # the business units are debited on those same accounts: the cost keeps its nature, each account nets
        # to zero, and nothing goes through the chargeback account
        debits = move.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver")
        self.assertEqual(self.balances(debits, "debit"), self.balances(credits, "credit"))
        self.assertFalse(move.line_ids.filtered(lambda line: line.account_id == self.accounts["chargeback"]))
        self.assertTrue(all(abs(v) < 0.005 for v in self.balances(move.line_ids).values()))
        # the analytic moves from the cloud cost center to the business units, to the cent
        for line in credits:
            self.assertEqual(line.analytic_distribution, {str(cloud_center.id): 100.0})
        self.assertEqual(self.analytic_by_account(move, centers), {cloud_center: 950.0})
        final = self.final_by_receiver(run)
        self.assertEqual({a: -v for a, v in self.analytic_by_account(move).items()}, final)
        # each debit keeps its allocation lines, of its own sender's account only
        for line in debits:
            allocation = line.cloud_cost_allocation_line_ids
            self.assertAlmostEqual(sum(allocation.mapped("amount")), line.debit, places=2)
            self.assertEqual(
                {(alloc.sender_pool_id.clearing_account_id or self.accounts["clearing"]) for alloc in allocation},
                {line.account_id},
            )

    def test_a_pool_may_keep_its_own_style(self):
        self.company.cloud_cost_posting_style = "distribution"
        self.runtime.posting_style = "assessment"
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        debits = run.move_ids.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver")
        self.assertEqual(
            self.balances(debits, "debit"),
            {self.platform_clearing: 300.0, self.accounts["chargeback"]: 500.0, self.accounts["clearing"]: 150.0},
        )
        credits = run.move_ids.line_ids.filtered(lambda line: line.cloud_cost_side == "sender")
        self.assertEqual(
            self.balances(credits, "credit"),
            {self.platform_clearing: 300.0, self.runtime_expense: 500.0, self.accounts["clearing"]: 150.0},
        )

    def test_a_business_unit_with_its_own_chargeback_account_is_debited_there(self):
        retail_account = self.env["account.account"].create(
            {
                "code": "628910",
                "name": "Retail cloud chargeback",
                "account_type": "expense",
                "company_ids": [(6, 0, self.company.ids)],
            }
        )
        self.retail.cloud_cost_chargeback_account_id = retail_account
        # an account of another company is not used in this one: the company's chargeback account is
        elsewhere = self.make_accounts(self.other_company)["chargeback"]
        self.payments.cloud_cost_chargeback_account_id = elsewhere
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        debits = run.move_ids.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver")
        final = self.final_by_receiver(run)
        self.assertEqual(
            debits.filtered(lambda line: line.cloud_cost_receiver_id == self.retail).account_id, retail_account
        )
        self.assertEqual(
            debits.filtered(lambda line: line.cloud_cost_receiver_id == self.payments).account_id,
            self.accounts["chargeback"],
        )
        self.assertEqual(
            self.balances(debits, "debit"),
            {retail_account: final[self.retail], self.accounts["chargeback"]: final[self.payments]},
        )
        self.assertEqual(final[self.retail], 525.0)
        self.assertEqual({a: -v for a, v in self.analytic_by_account(run.move_ids).items()}, final)

    def test_several_plans_at_once_business_unit_by_environment_by_tenant(self):
        Plan, Account = self.env["account.analytic.plan"], self.env["account.analytic.account"]
        environments, tenants = Plan.create({"name": "Environments"}), Plan.create({"name": "Tenants"})
        env_accounts = {
            name: Account.create(
                {"name": name.upper(), "code": name, "plan_id": environments.id, "company_id": self.company.id}
            )
            for name in ("prod", "dev")
        }
        tenant_accounts = {
            name: Account.create({"name": name, "plan_id": tenants.id, "company_id": False})  # shared
            for name in ("Acme", "Globex")
        }
        # the bill rows carry tenants: platform and Retail's for Acme, Payments' for Globex, Retail's direct
        # cost for no tenant
        tenant_of_row = {1: "acme", 2: "acme", 3: "globex", 6: "globex"}
        for line in self.batch.line_ids:
            line.tenant = tenant_of_row.get(line.source_row, False)
        self.policy.posting_dimension_ids = [
            (0, 0, {"sequence": 1, "plan_id": environments.id, "dimension": "environment"}),
            (0, 0, {"sequence": 2, "plan_id": tenants.id, "dimension": "tenant"}),
        ]
        # a value without an account on its plan is refused, nothing posted
        tenant_accounts["Globex"].name = "Globex Corp"
        run = self.approved_run()
        with self.assertRaisesRegex(UserError, r"Tenants has no analytic account for Tenant globex"):
            run.with_user(self.controller).action_post()
        self.assertEqual(run.state, "approved")
        self.assertFalse(self.env["account.move"].search([("cloud_cost_run_id", "=", run.id)]))
        tenant_accounts["Globex"].code = "GLOBEX"  # found by its code
        run.with_user(self.controller).action_post()
        self.assertEqual(run.state, "posted")

        # one debit per business unit, environment and tenant, distributed on the three plans at once
        debits = run.move_ids.line_ids.filtered(lambda line: line.cloud_cost_side == "receiver")
        payments_dev = debits.filtered(
            lambda line: line.cloud_cost_receiver_id == self.payments and line.cloud_cost_environment == "dev"
        )
        self.assertEqual(
            payments_dev.analytic_distribution,
            {f"{self.payments.id},{env_accounts['dev'].id},{tenant_accounts['Globex'].id}": 100.0},
        )
        self.assertEqual(payments_dev.debit, 50.0)
        # the analytic lines per business unit, environment and tenant equal the allocation lines, to the cent
        columns = [plan._column_name() for plan in (self.retail.plan_id, environments, tenants)]
        analytic = defaultdict(float)
        for line in self.env["account.analytic.line"].search([("move_line_id.move_id", "in", run.move_ids.ids)]):
            analytic[tuple(line[column] for column in columns)] -= line.amount
        by_tenant = {"acme": tenant_accounts["Acme"], "globex": tenant_accounts["Globex"]}
        expected = defaultdict(float)
        for line in self.final_lines(run):
            expected[
                (
                    line.analytic_account_id,
                    env_accounts.get(line.environment, Account),
                    by_tenant.get(line.tenant, Account),
                )
            ] += line.amount
        rounded = {key: round(amount, 2) for key, amount in analytic.items()}
        self.assertEqual(rounded, {key: round(amount, 2) for key, amount in expected.items()})
        prod, dev = env_accounts["prod"], env_accounts["dev"]
        acme, globex = tenant_accounts["Acme"], tenant_accounts["Globex"]
        self.assertEqual(
            rounded,
            {
                (self.retail, prod, acme): 425.0,  # 225 platform + 200 runtime
                (self.retail, prod, Account): 100.0,  # direct cost, no tenant
                (self.payments, prod, acme): 75.0,
                (self.payments, prod, globex): 300.0,
                (self.payments, dev, globex): 50.0,
            },
        )
        # and per business unit alone
        self.assertEqual(
            {a: -v for a, v in self.analytic_by_account(run.move_ids).items()}, self.final_by_receiver(run)
        )
        self.assertIn(
            "(prod, acme)",
            debits.filtered(lambda line: line.cloud_cost_receiver_id == self.retail and line.debit == 425.0).name,
        )

    def test_a_plan_of_the_business_units_cannot_be_a_posting_plan(self):
        self.env["account.analytic.account"].create(
            {"name": "prod", "plan_id": self.retail.plan_id.id, "company_id": self.company.id}
        )
        self.policy.posting_dimension_ids = [(0, 0, {"plan_id": self.retail.plan_id.id, "dimension": "environment"})]
        run = self.approved_run()
        with self.assertRaisesRegex(UserError, "must be other plans"):
            run.with_user(self.controller).action_post()
        self.assertEqual(run.state, "approved")
