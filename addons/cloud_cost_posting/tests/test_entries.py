from ..core.entries import Share, chargeback_entries


def test_one_entry_debits_each_receiver_and_credits_each_sender_to_the_cent():
    shares = [Share(1, 10, "prod", 22500), Share(1, 11, "prod", 7500), Share(2, 10, "prod", 20000),
              Share(None, 11, "dev", 5000), Share(2, 11, None, 0)]
    (entry,) = chargeback_entries(shares)
    assert entry.debits == {(10, "prod"): 42500, (11, "dev"): 5000, (11, "prod"): 7500}
    assert entry.credits == {1: 30000, 2: 20000, None: 5000}
    assert entry.total == 55000


def test_one_entry_per_receiver_each_balanced():
    shares = [Share(1, 10, "prod", 22500), Share(1, 11, "prod", 7500), Share(None, 11, "dev", -1)]
    entries = chargeback_entries(shares, per_receiver=True)
    assert [e.receiver for e in entries] == [10, 11]
    assert entries[1].debits == {(11, "dev"): -1, (11, "prod"): 7500}
    assert entries[1].credits == {1: 7500, None: -1}
    for entry in entries:
        assert sum(entry.debits.values()) == sum(entry.credits.values())


def test_nothing_to_post_gives_no_entry():
    assert chargeback_entries([Share(1, 10, None, 0)]) == []
