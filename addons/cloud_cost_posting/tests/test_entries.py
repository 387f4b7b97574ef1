from odoo.tests import tagged

from odoo.addons.cloud_cost.tests.plain import PlainCase

from ..core.entries import CreditKey, DebitKey, Share, chargeback_entries

CHARGEBACK, CLEARING, PLATFORM = 628900, 628000, 628100


def cents(items):
    return {key: item.cents for key, item in items.items()}


@tagged("post_install", "-at_install")
class TestEntries(PlainCase):
    def test_one_entry_debits_each_receiver_and_credits_each_sender_to_the_cent(self):
        shares = [
            Share(1, 10, ("prod",), 22500, CHARGEBACK, PLATFORM, (1,)),
            Share(1, 11, ("prod",), 7500, CHARGEBACK, PLATFORM, (2,)),
            Share(2, 10, ("prod",), 20000, CHARGEBACK, CLEARING, (3,)),
            Share(None, 11, ("dev",), 5000, CHARGEBACK, CLEARING, (4,)),
            Share(2, 11, (None,), 0, CHARGEBACK, CLEARING, (5,)),
        ]
        (entry,) = chargeback_entries(shares)
        assert cents(entry.debits) == {
            DebitKey(10, ("prod",), CHARGEBACK): 42500,
            DebitKey(11, ("dev",), CHARGEBACK): 5000,
            DebitKey(11, ("prod",), CHARGEBACK): 7500,
        }
        assert cents(entry.credits) == {
            CreditKey(1, PLATFORM): 30000,
            CreditKey(2, CLEARING): 20000,
            CreditKey(None, CLEARING): 5000,
        }
        assert entry.total == 55000
        # each item keeps the allocation lines it sums
        assert entry.debits[DebitKey(10, ("prod",), CHARGEBACK)].line_ids == [1, 3]
        assert entry.credits[CreditKey(1, PLATFORM)].line_ids == [1, 2]

    def test_one_entry_per_receiver_each_balanced(self):
        shares = [
            Share(1, 10, ("prod",), 22500, CHARGEBACK, CLEARING),
            Share(1, 11, ("prod",), 7500, CHARGEBACK, CLEARING),
            Share(None, 11, ("dev",), -1, CHARGEBACK, CLEARING),
        ]
        entries = chargeback_entries(shares, per_receiver=True)
        assert [e.receiver for e in entries] == [10, 11]
        assert cents(entries[1].debits) == {
            DebitKey(11, ("dev",), CHARGEBACK): -1,
            DebitKey(11, ("prod",), CHARGEBACK): 7500,
        }
        assert cents(entries[1].credits) == {CreditKey(1, CLEARING): 7500, CreditKey(None, CLEARING): -1}
        for entry in entries:
            assert entry.total == sum(item.cents for item in entry.credits.values())

    def test_several_dimensions_and_accounts_split_the_debits(self):
        # distribution style: the receiver is debited on the account credited; several plans at once
        shares = [
            Share(1, 10, ("prod", "acme"), 100, PLATFORM, PLATFORM),
            Share(1, 10, ("prod", "globex"), 250, PLATFORM, PLATFORM),
            Share(2, 10, ("prod", "acme"), 5, CLEARING, CLEARING),
            Share(1, 10, ("prod", "acme"), 1, PLATFORM, PLATFORM),
        ]
        (entry,) = chargeback_entries(shares)
        assert cents(entry.debits) == {
            DebitKey(10, ("prod", "acme"), CLEARING): 5,
            DebitKey(10, ("prod", "acme"), PLATFORM): 101,
            DebitKey(10, ("prod", "globex"), PLATFORM): 250,
        }
        assert cents(entry.credits) == {CreditKey(1, PLATFORM): 351, CreditKey(2, CLEARING): 5}

    def test_nothing_to_post_gives_no_entry(self):
        assert chargeback_entries([Share(1, 10, (), 0)]) == []
