"""Posting styles and entry groupings: one registered strategy each (no database)."""

from odoo.tests.common import BaseCase

from ..core import styles
from ..core.entries import CreditKey, DebitKey, Share, chargeback_entries

CHARGEBACK, CLEARING = 628900, 628000


class FirstDimensionGrouping(styles.EntryGrouping):
    """One entry per value of the shares' first dimension (a grouping of another addon, for these tests)."""

    key = "test_dimension"
    label = "One entry per first dimension"

    def entry_key(self, share):
        return (share.dimensions[0],)

    def reference(self, key, name_of):
        return key[0]


class TestPostingStyles(BaseCase):
    def test_the_suites_styles_choose_accounts_and_ask_only_for_those_they_use(self):
        asked = []

        def account(name, value):
            def getter():
                asked.append(name)
                return value

            return getter

        choice = styles.AccountChoice(
            clearing=account("clearing", CLEARING), chargeback=account("chargeback", CHARGEBACK)
        )
        self.assertEqual(styles.style("distribution").accounts(choice), (CLEARING, CLEARING))
        self.assertEqual(asked, ["clearing"])  # no chargeback account needed, none required
        self.assertEqual(styles.style("assessment").accounts(choice), (CHARGEBACK, CLEARING))
        self.assertEqual(asked, ["clearing", "chargeback"])  # each looked up once
        with self.assertRaises(AttributeError):
            choice.elsewhere  # noqa: B018  pylint: disable=pointless-statement
        with self.assertRaisesRegex(styles.PostingStyleError, "unknown posting style 'nowhere'"):
            styles.style("nowhere")
        self.assertEqual(styles.selection(styles.BUILTIN_STYLES)[0], ("assessment", "Assessment: chargeback account"))
        self.assertEqual([key for key, _label in styles.selection(styles.BUILTIN_GROUPINGS)], ["run", "receiver"])

    def test_the_suites_groupings_are_those_of_per_receiver(self):
        shares = [
            Share(1, 11, ("prod",), 700, CHARGEBACK, CLEARING, (1,)),
            Share(None, 10, ("dev",), 300, CHARGEBACK, CLEARING, (2,)),
        ]
        for key, per_receiver in (("run", False), ("receiver", True)):
            by_registry = chargeback_entries(shares, grouping=styles.grouping(key))
            self.assertEqual(by_registry, chargeback_entries(shares, per_receiver=per_receiver))
        self.assertEqual(
            [entry.receiver for entry in chargeback_entries(shares, grouping=styles.grouping("receiver"))], [10, 11]
        )

    def test_a_grouping_of_another_addon_splits_entries_by_its_keys_each_balanced(self):
        grouping = FirstDimensionGrouping()
        shares = [
            Share(1, 10, ("acme",), 22500, CHARGEBACK, CLEARING, (1,)),
            Share(1, 11, ("globex",), 7501, CHARGEBACK, CLEARING, (2,)),
            Share(2, 10, ("acme",), -1, CHARGEBACK, CLEARING, (3,)),
        ]
        entries = chargeback_entries(shares, grouping=grouping)
        self.assertEqual([entry.key for entry in entries], [("acme",), ("globex",)])
        self.assertEqual([entry.receiver for entry in entries], [None, None])
        acme, globex = entries
        self.assertEqual(
            {key: item.cents for key, item in acme.debits.items()}, {DebitKey(10, ("acme",), CHARGEBACK): 22499}
        )
        self.assertEqual(
            {key: item.cents for key, item in acme.credits.items()},
            {CreditKey(1, CLEARING): 22500, CreditKey(2, CLEARING): -1},
        )
        self.assertEqual(globex.total, 7501)
        self.assertEqual(grouping.reference(globex.key, None), "globex")
