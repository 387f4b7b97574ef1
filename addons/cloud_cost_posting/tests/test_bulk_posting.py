from unittest.mock import patch

from odoo.tests import tagged

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
