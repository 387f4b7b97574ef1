from unittest.mock import patch

from odoo.exceptions import RedirectWarning, UserError
from odoo.tests import tagged

from odoo.addons.account.models.account_move_line import AccountMoveLine as OdooAccountMoveLine
from odoo.addons.analytic.models.analytic_mixin import AnalyticMixin

from ..models import account_move
from .test_posting import PostingCase


@tagged("post_install", "-at_install")
class TestBulkPosting(PostingCase):
    """Chargeback entries posted many at a time get what Odoo's own posting gives them one by one."""

    def setUp(self):
        super().setUp()
        self.policy.posting_grouping = "receiver"
        self.post_manual_entry()

    def post_manual_entry(self):
        """An entry of the chargeback journal posted by hand, which the run's numbers must follow."""
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.accounts["journal"].id,
                "date": "2026-10-31",
                "line_ids": [
                    (0, 0, {"name": "by hand", "account_id": self.accounts["chargeback"].id, "debit": 1.0}),
                    (0, 0, {"name": "by hand", "account_id": self.accounts["clearing"].id, "credit": 1.0}),
                ],
            }
        )
        entry.action_post()
        return entry

    def post_and_reverse(self):
        """The numbers of a run posted one entry per receiver, then reversed, and how often Odoo asked the
        database for a journal's last number."""
        Move = type(self.env["account.move"])
        lookup = Move._get_last_sequence
        lookups = []

        def counted_lookup(move, *args, **kwargs):
            lookups.append(move.id)
            return lookup(move, *args, **kwargs)

        with patch.object(Move, "_get_last_sequence", counted_lookup):
            run = self.approved_run()
            run.with_user(self.controller).action_post()
            run.with_user(self.controller).action_reverse()
        numbers = [(move.ref, move.date, move.name, move.sequence_number) for move in run.move_ids.sorted("id")]
        return numbers, len(lookups)

    def test_entries_take_the_numbers_of_odoos_lookup_with_one_lookup_per_journal(self):
        # rolling back a flushing savepoint clears the cache and the numbers held in memory, as a new transaction
        with self.env.cr.savepoint() as savepoint:
            with patch.object(account_move, "_last_numbers", lambda env: {}):
                by_lookup, lookups_each = self.post_and_reverse()
            savepoint.close(rollback=True)
        numbers, lookups = self.post_and_reverse()

        self.assertGreaterEqual(len(numbers), 4)  # two receivers' entries and their reversals
        self.assertEqual(numbers, by_lookup)
        sequence = sorted(number for *_, number in numbers)
        self.assertEqual(sequence, list(range(2, 2 + len(numbers))))  # after the entry posted by hand
        if hasattr(type(self.env["account.move"]), "_get_next_sequence_format"):
            self.assertLess(lookups, lookups_each)
        else:  # an Odoo 18.0 older than its transaction cache of numbers looks each number up, as before
            self.assertEqual(lookups, lookups_each)

    def test_an_entry_numbered_between_two_runs_is_followed(self):
        first, _lookups = self.post_and_reverse()
        manual = self.post_manual_entry()
        self.make_batch([(None, self.payments, "80.00", "prod", "Compute")], period=("2026-10-01", "2026-10-31"))
        second, _lookups = self.post_and_reverse()

        last_of_first = max(number for *_, number in first)
        self.assertEqual(manual.sequence_number, last_of_first + 1)
        self.assertEqual(
            sorted(number for *_, number in second),
            list(range(last_of_first + 2, last_of_first + 2 + len(second))),
        )
        names = [name for _ref, _date, name, _number in first + second] + [manual.name]
        self.assertEqual(len(set(names)), len(names))

    def test_untaxed_entries_are_always_tax_exigible_as_odoo_finds(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        run.with_user(self.controller).action_reverse()
        self.assertGreaterEqual(len(run.move_ids), 4)
        for move in run.move_ids:
            self.assertFalse(move.line_ids.tax_ids)
            odoos = not move.is_invoice(include_receipts=True) and not move._collect_tax_cash_basis_values()
            self.assertEqual(move.always_tax_exigible, odoos)
            self.assertTrue(move.always_tax_exigible)

    def test_tax_lock_dates_are_looked_up_once_per_company_and_date(self):
        Company = type(self.env["res.company"])
        lookup = Company._get_lock_date_violations
        tax_lookups = []

        def counted_lookup(company, date, *args, **kwargs):
            if kwargs.get("tax", True) and not kwargs.get("fiscalyear", True):
                tax_lookups.append((company.id, date))
            return lookup(company, date, *args, **kwargs)

        run = self.approved_run()
        with patch.object(Company, "_get_lock_date_violations", counted_lookup):
            run.with_user(self.controller).action_post()
        self.assertGreater(len(run.move_ids.line_ids), len(run.move_ids))
        self.assertEqual(sorted(tax_lookups), sorted({(move.company_id.id, move.date) for move in run.move_ids}))

    def test_an_item_on_the_tax_report_in_a_tax_locked_period_is_refused_as_odoo_refuses(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        items = run.move_ids.line_ids
        on_tax_report = items[0]
        tag = self.env["account.account.tag"].create(
            {"name": "Tax grid 99", "applicability": "taxes", "country_id": self.env.ref("base.us").id}
        )
        # a tax grid on a posted item, as a tax declared in that period leaves it
        self.env.cr.execute(
            "INSERT INTO account_account_tag_account_move_line_rel (account_move_line_id, account_account_tag_id) "
            "VALUES (%s, %s)",
            [on_tax_report.id, tag.id],
        )
        items.invalidate_recordset(["tax_tag_ids"])
        self.company.tax_lock_date = max(run.move_ids.mapped("date"))

        self.assertTrue((items - on_tax_report)._check_tax_lock_date())
        for check in (type(items)._check_tax_lock_date, OdooAccountMoveLine._check_tax_lock_date):  # ours, Odoo's
            with self.assertRaisesRegex(UserError, "already issued tax statement"):
                check(items)

    def test_a_mandatory_analytic_plan_refuses_the_items_odoo_refuses_checking_each_distribution_once(self):
        run = self.approved_run()
        run.with_user(self.controller).action_post()
        items = run.move_ids.line_ids.with_context(validate_analytic=True)
        self.assertGreater(len(run.move_ids), 1)
        Item = type(items)
        check = AnalyticMixin._validate_distribution
        checked = []

        def counted_check(item, **kwargs):
            checked.append(item.id)
            return check(item, **kwargs)

        with patch.object(AnalyticMixin, "_validate_distribution", counted_check):
            items._validate_analytic_distribution()
        distinct = {(item.account_id, str(item.analytic_distribution)) for item in items}
        self.assertEqual(len(checked), len(distinct))
        self.assertLess(len(checked), len(items))

        # a plan made mandatory for journal items, on which no chargeback item is distributed
        projects = self.env["account.analytic.plan"].create(
            {
                "name": "Projects",
                "applicability_ids": [
                    (0, 0, {"business_domain": "general", "applicability": "mandatory", "company_id": False})
                ],
            }
        )
        self.env["account.analytic.account"].create({"name": "Migration", "plan_id": projects.id})
        refusals = []
        for validate in (Item._validate_analytic_distribution, OdooAccountMoveLine._validate_analytic_distribution):
            with self.assertRaises(RedirectWarning) as refused:  # ours, Odoo's
                validate(items)
            refusals.append(refused.exception.args)
        self.assertEqual(refusals[0], refusals[1])
        self.assertEqual(sorted(refusals[0][1]["domain"][0][2]), sorted(items.ids))  # every item listed
