from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import BILLING_ACCOUNT, INVOICE, LedgerCase


@tagged("post_install", "-at_install")
class TestInvoiceMatch(LedgerCase):
    def test_a_vendor_bill_equal_to_the_imported_bill_is_matched_by_its_invoice_id(self):
        bill = self.vendor_bill(1075.00)
        match = self.match_month()
        self.assertEqual(len(match), 1)
        self.assertEqual(match.invoice_ids, bill)
        self.assertEqual(match.batch_ids, self.batch)
        self.assertEqual((match.link_method, match.state), ("invoice_id", "matched"))
        self.assertEqual((match.invoiced_amount, match.imported_amount, match.difference), (1075.0, 1075.0, 0.0))
        self.assertEqual(match.matched_by_id, self.accountant)
        bill.invalidate_recordset(["cloud_cost_match_ids"])
        self.assertEqual(bill.cloud_cost_match_ids, match)

    def test_tax_and_a_credit_in_the_bill_explain_the_difference(self):
        # the bill rows hold the VAT and a credit that the provider sends as a credit note of its own
        self.add_rows(self.batch, [("Tax", 204.25, None), ("Credit", -50.00, None)])
        self.vendor_bill(1075.01)
        match = self.match_month()
        self.assertEqual(match.state, "explained")
        self.assertAlmostEqual(match.difference, 154.24, places=2)
        self.assertEqual(
            (match.tax_amount, match.credit_amount, match.rounding_amount, match.unexplained_amount),
            (204.25, -50.0, -0.01, 0.0),
        )

    def test_marketplace_and_purchase_rows_invoiced_apart(self):
        self.add_rows(
            self.batch, [("Usage", 120.00, {"bill_billing_entity": "AWS Marketplace"}), ("Purchase", 1200.00, None)]
        )
        self.vendor_bill(1075.00)
        match = self.match_month()
        self.assertEqual((match.state, match.marketplace_amount, match.purchase_amount), ("explained", 120.0, 1200.0))

    def test_a_difference_no_cause_explains_is_unexplained(self):
        self.add_rows(self.batch, [("Tax", 204.25, None)])
        self.vendor_bill(900.00)
        match = self.match_month()
        self.assertEqual(match.state, "unexplained")
        self.assertAlmostEqual(match.unexplained_amount, 379.25, places=2)
        self.assertEqual(match.tax_amount, 0.0)

    def test_without_invoice_id_a_bill_is_linked_by_billing_account_and_period(self):
        self.batch.line_ids._suite().write({"invoice_number": False})
        other = self.vendor_bill(
            500.00, ref="OTHER-1", cloud_cost_billing_account="999", cloud_cost_billing_period="2026-10-01"
        )
        first = self.vendor_bill(
            600.00, ref="PART-1", cloud_cost_billing_account=BILLING_ACCOUNT, cloud_cost_billing_period="2026-10-15"
        )
        second = self.vendor_bill(
            475.00, ref="PART-2", cloud_cost_billing_account=BILLING_ACCOUNT, cloud_cost_billing_period="2026-10-01"
        )
        matches = self.match_month()
        linked = matches.filtered("batch_ids")
        self.assertEqual(linked.invoice_ids, first | second)  # several invoices for one batch
        self.assertEqual(
            (linked.link_method, linked.state, linked.invoiced_amount), ("account_period", "matched", 1075.0)
        )
        alone = matches - linked
        self.assertEqual((alone.invoice_ids, alone.state), (other, "unexplained"))

    def test_a_draft_bill_is_not_booked_and_the_invoice_is_missing(self):
        self.vendor_bill(1075.00, post=False)
        match = self.match_month()
        self.assertEqual((match.state, match.invoice_ids.ids, match.imported_amount), ("missing", [], 1075.0))

    def test_a_restatement_after_the_invoice_is_shown_as_such(self):
        restated = self.make_batch([(None, self.retail, "1075.00", "prod", "Compute")], state="imported")
        self.batch._suite().write({"state": "superseded", "superseded_by_id": restated.id})
        restated._suite().write({"previous_batch_id": self.batch.id, "imported_on": "2026-11-20 10:00:00"})
        self.add_rows(restated, [("Usage", 12.5, None)])
        restated.line_ids._suite().write({"invoice_number": INVOICE})
        self.vendor_bill(1075.00, date="2026-11-03")
        match = self.match_month()
        self.assertEqual(match.batch_ids, restated)
        self.assertEqual((match.state, match.restatement_amount), ("explained", 12.5))

    def test_matches_are_the_suite_s_only_and_each_role_does_what_it_may(self):
        self.vendor_bill(1075.00)
        match = self.match_month()
        for user in (self.cost_user, self.auditor):
            with self.assertRaises(AccessError):
                self.match_month(user)
        # the auditor reads the match
        self.assertEqual(match.with_user(self.auditor).read(["state"])[0]["state"], "matched")
        with self.assertRaisesRegex(AccessError, "suite"):
            match.write({"state": "explained"})
        with self.assertRaisesRegex(AccessError, "suite"):
            match.unlink()
        with self.assertRaisesRegex(AccessError, "suite"):
            self.env["cloud.cost.invoice.match"].create(
                {"company_id": self.company.id, "period": "2026-10-01", "state": "matched"}
            )
        self.assertEqual(match.state, "matched")

    def test_another_company_sees_none_of_it(self):
        self.vendor_bill(1075.00)
        self.match_month()
        Match = self.env["cloud.cost.invoice.match"].with_user(self.other_user).with_company(self.other_company)
        self.assertFalse(Match.search([]))
        self.assertEqual(Match.action_match_month("2026-10-01"), [])


@tagged("post_install", "-at_install")
class TestAccruals(LedgerCase):
    def propose(self, user=None):
        Accrual = self.env["cloud.cost.accrual"].with_user(user or self.controller).with_company(self.company)
        return Accrual.browse(Accrual.action_propose_month("2026-10-01"))

    def test_a_missing_invoice_is_accrued_at_month_end_and_reversed_on_the_first(self):
        accrual = self.propose()
        self.assertEqual((accrual.state, accrual.amount, accrual.source_id), ("proposed", 1075.0, self.source))
        with self.assertRaisesRegex(UserError, "Four eyes"):
            accrual.with_user(self.controller).action_post()
        accrual.with_user(self.controller_2).action_post()
        self.assertEqual((accrual.state, accrual.posted_by_id), ("posted", self.controller_2))
        move, reversal = accrual.move_id, accrual.reversal_move_id
        self.assertEqual(
            (move.state, str(move.date), move.journal_id), ("posted", "2026-10-31", self.accounts["journal"])
        )
        self.assertEqual(
            (reversal.state, str(reversal.date), reversal.reversed_entry_id), ("posted", "2026-11-01", move)
        )
        accounts = self.accounts["clearing"] | self.platform_clearing | self.accrued
        # at the close: the platform's share on its own clearing account, the rest on the company's
        self.assertEqual(
            self.balances(accounts, "2026-10-31"),
            {self.accounts["clearing"]: 775.0, self.platform_clearing: 300.0, self.accrued: -1075.0},
        )
        # from the first of November the accrual is gone
        self.assertEqual(self.balances(accounts, "2026-11-01"), dict.fromkeys(accounts, 0.0))
        # the analytic account the chargeback credits: none set here
        self.assertFalse(move.line_ids.filtered(lambda line: line.debit).mapped("analytic_distribution")[0])

    def test_the_accrual_carries_the_cost_center_the_chargeback_credits(self):
        center = self.env["account.analytic.account"].create(
            {"name": "Cloud platform", "plan_id": self.retail.plan_id.id, "company_id": self.company.id}
        )
        self.platform.cost_center_id = center
        accrual = self.propose()
        accrual.with_user(self.controller_2).action_post()
        platform = accrual.move_id.line_ids.filtered(lambda line: line.account_id == self.platform_clearing)
        self.assertEqual(platform.analytic_distribution, {str(center.id): 100.0})

    def test_a_booked_invoice_stops_the_proposal(self):
        self.vendor_bill(1075.00)
        self.assertFalse(self.propose())

    def test_an_invoice_booked_after_the_proposal_stops_the_posting(self):
        accrual = self.propose()
        self.vendor_bill(1075.00)
        with self.assertRaisesRegex(UserError, "booked now"):
            accrual.with_user(self.controller_2).action_post()
        self.assertFalse(self.env["account.move"].search([("cloud_cost_accrual_id", "=", accrual.id)]))

    def test_only_controllers_propose_and_post(self):
        for user in (self.accountant, self.auditor, self.cost_user):
            with self.assertRaises(AccessError):
                self.propose(user)
        accrual = self.propose()
        for user in (self.accountant, self.auditor, self.cost_user):
            with self.assertRaises(AccessError):
                accrual.with_user(user).action_post()
        with self.assertRaisesRegex(AccessError, "suite"):
            accrual.with_user(self.controller_2).write({"state": "posted"})
        with self.assertRaisesRegex(AccessError, "suite"):
            accrual.write({"amount": 1.0})
        self.assertEqual((accrual.state, accrual.amount), ("proposed", 1075.0))

    def test_a_locked_period_is_refused_and_nothing_posted(self):
        accrual = self.propose()
        self.company.fiscalyear_lock_date = "2026-10-31"
        with self.assertRaisesRegex(UserError, "locked up to"):
            accrual.with_user(self.controller_2).action_post()
        self.assertEqual(accrual.state, "proposed")
        self.assertFalse(self.env["account.move"].search([("cloud_cost_accrual_id", "=", accrual.id)]))

    def test_accrual_entries_stay_with_their_accrual(self):
        accrual = self.propose()
        accrual.with_user(self.controller_2).action_post()
        with self.assertRaises(AccessError):
            accrual.move_id.write({"cloud_cost_accrual_id": False})
        with self.assertRaises(UserError):
            accrual.move_id.button_draft()
        self.assertEqual(accrual.move_id.state, "posted")


@tagged("post_install", "-at_install")
class TestMonthClose(LedgerCase):
    def test_with_the_vendor_bill_and_the_chargeback_the_clearing_accounts_hold_the_unallocated_remainder(self):
        self.vendor_bill(1075.00)
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        overview = self.overview()
        overview.action_match_invoices()
        overview = self.overview()
        self.assertTrue(overview.check_invoices_matched)
        self.assertTrue(overview.check_accruals_posted)  # nothing to accrue
        # the bill is booked on the company's clearing account only: the platform pool's own account is not
        self.assertFalse(overview.check_clearing_net)
        report = (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.accountant)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )
        # 1,075.00 billed; 950.00 charged back; 25.00 unallocated and 100.00 kept in the runtime pool
        self.assertEqual(
            (report.invoiced_amount, report.imported_amount, report.posted_amount), (1075.0, 1075.0, 950.0)
        )
        self.assertEqual((report.clearing_balance, report.clearing_expected), (125.0, 125.0))
        # the October invoice, booked on 3 November, and the chargeback of October
        balances = self.balances(self.accounts["clearing"] | self.platform_clearing, "2026-11-30")
        self.assertEqual(balances, {self.accounts["clearing"]: 425.0, self.platform_clearing: -300.0})
        self.assertEqual(report.line_ids.mapped("state"), ["matched"])

    def test_a_missing_invoice_accrued_nets_each_pool_out(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        overview = self.overview(self.controller)
        self.assertFalse(overview.check_invoices_matched)
        overview.action_propose_accruals()
        overview = self.overview(self.controller)
        self.assertFalse(overview.check_accruals_posted)
        self.assertEqual(overview.accruals_to_post, 1)
        self.overview(self.controller_2).action_post_accruals()
        overview = self.overview()
        self.assertTrue(overview.check_invoices_matched)
        self.assertTrue(overview.check_accruals_posted)
        self.assertTrue(overview.check_clearing_net)
        # per account: the platform pool fully charged back, the company's clearing holds 25.00 + 100.00
        balances = self.balances(self.accounts["clearing"] | self.platform_clearing, "2026-10-31", "2026-10-01")
        self.assertEqual(balances, {self.accounts["clearing"]: 125.0, self.platform_clearing: 0.0})
        report = (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.auditor)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )
        self.assertEqual((report.accrued_amount, report.open_amount), (1075.0, 0.0))
        self.assertEqual(report.line_ids.state_label, "Invoice missing, accrued")

    def test_an_unexplained_difference_leaves_the_checklist_open(self):
        self.vendor_bill(1000.00)
        self.overview().action_match_invoices()
        overview = self.overview()
        self.assertFalse(overview.check_invoices_matched)
        self.assertFalse(overview.check_clearing_net)
        line = (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.accountant)
            .create({"month": "2026-10-01", "company_id": self.company.id})
            .line_ids
        )
        self.assertEqual((line.state, line.invoiced_amount, line.imported_amount), ("unexplained", 1000.0, 1075.0))
        action = line.action_view_lines()
        self.assertEqual(self.env["cloud.cost.line"].search(action["domain"]), self.batch.line_ids)
        with self.assertRaisesRegex(AccessError, "suite"):
            line.with_user(self.accountant).write({"imported_amount": 1000.0})


@tagged("post_install", "-at_install")
class TestCommitments(LedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prepaid = cls.env["account.account"].create(
            {
                "code": "186000",
                "name": "Prepaid cloud commitments",
                "account_type": "asset_prepayments",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        cls.company.cloud_cost_prepaid_account_id = cls.prepaid

    def commitment_rows(self, batch, used, unused, purchase=0.0):
        start = str(batch.billing_period_start)
        rows = [("Usage", 0.0, used, "Used"), ("Usage", 0.0, unused, "Unused")]
        if purchase:
            rows.append(("Purchase", purchase, 0.0, ""))
        self.env["cloud.cost.line"]._suite_create(
            [
                {
                    "batch_id": batch.id,
                    "company_id": self.company.id,
                    "charge_description": f"Savings Plan {status}",
                    "charge_category": category,
                    "billing_period_start": start,
                    "charge_period_start": f"{start} 00:00:00",
                    "billed_cost": billed,
                    "billed_cost_company": billed,
                    "effective_cost": effective,
                    "effective_cost_company": effective,
                    "commitment_discount": "arn:aws:savingsplans::1:savingsplan/sp-1",
                    "commitment_discount_status": status,
                    "source_file": "focus.csv",
                    "source_row": 200 + index,
                }
                for index, (category, billed, effective, status) in enumerate(rows)
            ]
        )

    def release(self, month, user=None):
        Release = (
            self.env["cloud.cost.commitment.release"].with_user(user or self.controller).with_company(self.company)
        )
        return Release.browse(Release.action_post_month(month))

    def test_a_purchase_goes_to_prepaid_and_is_released_month_by_month_to_the_cent(self):
        self.commitment_rows(self.batch, used=90.00, unused=10.00, purchase=1200.00)
        november = self.make_batch(
            [(None, self.retail, "50.00", "prod", "Compute")], period=("2026-11-01", "2026-11-30")
        )
        self.commitment_rows(november, used=95.00, unused=5.01)
        december = self.make_batch(
            [(None, self.retail, "50.00", "prod", "Compute")], period=("2026-12-01", "2026-12-31")
        )
        self.commitment_rows(december, used=99.99, unused=0.0)

        october = self.release("2026-10-01")
        self.assertEqual(
            (
                october.billed_amount,
                october.purchase_amount,
                october.amortized_amount,
                october.unused_amount,
                october.other_amount,
                october.effective_amount,
            ),
            (2275.0, 1200.0, 90.0, 10.0, 0.0, 1175.0),
        )
        self.assertEqual(october.move_id.date.isoformat(), "2026-10-31")
        self.release("2026-11-01")
        self.release("2026-12-01")
        self.assertEqual(
            [self.balances(self.prepaid, day)[self.prepaid] for day in ("2026-10-31", "2026-11-30", "2026-12-31")],
            [1100.0, 999.99, 900.0],
        )
        # the clearing account gives the fee to prepaid and takes back what the bill amortized
        self.assertEqual(self.balances(self.accounts["clearing"], "2026-12-31")[self.accounts["clearing"]], -900.0)

        with self.assertRaisesRegex(UserError, "released already"):
            self.release("2026-10-01")
        with self.assertRaises(AccessError):
            self.release("2027-01-01", self.accountant)
        with self.assertRaisesRegex(AccessError, "suite"):
            october.write({"release_amount": 0.0})

    def test_with_the_vendor_bill_and_the_release_the_clearing_nets_out_and_the_bridge_adds_up(self):
        self.commitment_rows(self.batch, used=90.00, unused=10.00, purchase=1200.00)
        self.vendor_bill(2275.00)
        self.match_month()
        self.release("2026-10-01")
        report = (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.auditor)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )
        self.assertEqual(
            (
                report.bridge_billed,
                report.bridge_purchases,
                report.bridge_amortized,
                report.bridge_unused,
                report.bridge_other,
                report.bridge_effective,
            ),
            (2275.0, -1200.0, 90.0, 10.0, 0.0, 1175.0),
        )
        self.assertEqual((report.clearing_balance, report.clearing_expected), (1175.0, 1175.0))
        self.assertTrue(report.clearing_nets_out)


@tagged("post_install", "-at_install")
class TestCorrections(LedgerCase):
    def correct(self, run, date="2026-12-31", user=None):
        Correction = self.env["cloud.cost.correction"].with_user(user or self.controller)
        return Correction.browse(Correction.action_post_correction(run.id, date))

    def test_a_bill_restated_after_posting_is_charged_back_as_the_delta_in_the_open_period(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        posted_moves = run.move_ids
        posted_lines = posted_moves.line_ids.read(["account_id", "debit", "credit"])
        # November: October's bill is restated, Retail's direct cost 100.00 -> 130.00
        restated = self.make_batch(
            [
                (self.platform, None, "300.00", "prod", "Compute"),
                (self.runtime, self.retail, "200.00", "prod", "Compute"),
                (self.runtime, self.payments, "300.00", "prod", "Compute"),
                (self.runtime, None, "100.00", "staging", "Compute"),
                (None, self.retail, "130.00", "prod", "Compute"),
                (None, self.payments, "50.00", "dev", "Storage"),
                (None, None, "25.00", None, "Other"),
            ]
        )
        self.batch._suite().write({"state": "superseded", "superseded_by_id": restated.id})
        restated._suite().write({"previous_batch_id": self.batch.id})
        self.assertTrue(run.inputs_changed)
        self.assertEqual(run.state, "posted")

        with self.assertRaises(AccessError):
            self.correct(run, user=self.accountant)
        with self.assertRaisesRegex(UserError, "later period"):
            self.correct(run, date="2026-10-31")
        correction = self.correct(run)
        self.assertEqual(
            (correction.amount, str(correction.date), correction.posted_by_id), (30.0, "2026-12-31", self.controller)
        )
        move = correction.move_id
        self.assertEqual((move.state, str(move.date)), ("posted", "2026-12-31"))
        debit = move.line_ids.filtered("debit")
        self.assertEqual(
            (debit.account_id, debit.debit, debit.analytic_distribution),
            (self.accounts["chargeback"], 30.0, {str(self.retail.id): 100.0}),
        )
        self.assertEqual(move.line_ids.filtered("credit").account_id, self.accounts["clearing"])
        # the posted run is as it was
        self.assertEqual(run.move_ids, posted_moves)
        self.assertEqual(posted_moves.line_ids.read(["account_id", "debit", "credit"]), posted_lines)
        # charged once: nothing is left to correct
        self.assertFalse(self.correct(run))
        # the reconciliation shows both: the October cost corrected later, the correction in December
        october = self.env["cloud.cost.reconciliation"].create({"month": "2026-10-01", "company_id": self.company.id})
        december = self.env["cloud.cost.reconciliation"].create({"month": "2026-12-01", "company_id": self.company.id})
        self.assertEqual((october.correction_out_amount, october.correction_in_amount), (30.0, 0.0))
        self.assertEqual((december.correction_in_amount, december.correction_ids), (30.0, correction))
        with self.assertRaisesRegex(AccessError, "suite"):
            correction.write({"amount": 0.0})


@tagged("post_install", "-at_install")
class TestCurrencyAndExport(LedgerCase):
    def test_a_bill_in_another_currency_invoiced_in_the_company_s_shows_the_conversion(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        # the import converted 1,000.00 EUR at the charge date's rate (1,100.00 in the company currency);
        # the provider invoices it in the company currency at the invoice date's rate
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.9, "name": "2026-10-01", "company_id": self.company.id}
        )
        september = self.make_batch(
            [(None, self.retail, "1100.00", "prod", "Compute")], period=("2026-09-01", "2026-09-30")
        )
        september.line_ids._suite().write(
            {"billed_cost": 1000.0, "billing_currency": "EUR", "invoice_number": "INV-EUR-09"}
        )
        self.vendor_bill(1111.11, ref="INV-EUR-09", date="2026-10-03")
        match = self.match_month(month="2026-09-01")
        self.assertEqual(
            (match.currency_id, match.invoiced_amount, match.imported_amount),
            (self.company.currency_id, 1111.11, 1100.0),
        )
        self.assertEqual((match.state, match.currency_amount, match.unexplained_amount), ("explained", -11.11, 0.0))

    def test_the_reconciliation_exports_to_xlsx(self):
        import io  # noqa: PLC0415

        import openpyxl  # noqa: PLC0415

        self.add_rows(self.batch, [("Tax", 204.25, None)])
        self.vendor_bill(1075.00)
        self.match_month()
        report = (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.auditor)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )
        workbook = openpyxl.load_workbook(io.BytesIO(report._xlsx()))
        self.assertEqual(workbook.sheetnames, ["Reconciliation", "Invoice matches", "Billed to effective"])
        rows = list(workbook["Reconciliation"].iter_rows(values_only=True))
        self.assertIn(("FOCUS export", 1075.0, 1279.25, 0.0, 0.0, 0.0, 0.0, "Explained difference"), rows)
        matches = list(workbook["Invoice matches"].iter_rows(values_only=True))
        header, first = matches[0], dict(zip(matches[0], matches[1], strict=True))
        self.assertIn("Tax", header)
        self.assertEqual((first["Tax"], first["State"]), (204.25, "Explained difference"))
        bridge = list(workbook["Billed to effective"].iter_rows(values_only=True))
        self.assertEqual((bridge[0][1], bridge[-1]), (1279.25, ("EffectiveCost", 1075.0)))
        action = report.with_user(self.auditor).action_export_xlsx()
        self.assertRegex(action["url"], r"^/web/content/\d+\?download=true$")

    def test_odoo_s_vacuum_removes_old_reconciliations_and_nobody_else_does(self):
        report = (
            self.env["cloud.cost.reconciliation"]
            .with_user(self.accountant)
            .create({"month": "2026-10-01", "company_id": self.company.id})
        )
        lines = report.line_ids
        self.assertTrue(lines)
        with self.assertRaisesRegex(AccessError, "suite"):
            lines.with_user(self.accountant).unlink()
        # as the autovacuum cron does it, an hour later
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE cloud_cost_reconciliation_line SET create_date = create_date - interval '1 hour', "
            "write_date = write_date - interval '1 hour' WHERE id = ANY(%s)",
            [lines.ids],
        )
        self.env["cloud.cost.reconciliation.line"].sudo()._transient_clean_rows_older_than(600)
        self.env.invalidate_all()
        self.assertFalse(lines.exists())
