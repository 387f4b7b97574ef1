"""Chargeback journal entries of an allocation run, as plain data (amounts as integers of the
currency's smallest unit, called cents).

A final allocation line moves an amount from a sender (a cost pool, or nothing for a
business unit's direct cost) to a receiver (a business unit). Posting debits each
receiver and credits each sender: the cost leaves the central accounts and lands on
the business units. One entry per run, one per receiver, or as an entry grouping of ``styles`` says.

Which accounts are debited and credited is the caller's choice, made per share: the
entries only group, add up and balance. Every journal item keeps the allocation
lines it sums, so that a journal item leads back to them.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from . import styles


@dataclass(frozen=True)
class Share:
    """Cents moved from ``sender`` (pool id, or None for direct cost) to ``receiver`` (analytic account id).

    ``dimensions`` holds the values (environment, tenant, service tier, ...) the receiver's
    debit is split by; ``debit_account`` and ``credit_account`` are the accounts of both
    sides; ``line_ids`` the allocation lines summed in the share.
    """

    sender: int | None
    receiver: int
    dimensions: tuple
    cents: int
    debit_account: int | None = None
    credit_account: int | None = None
    line_ids: tuple = ()


@dataclass(frozen=True)
class DebitKey:
    receiver: int
    dimensions: tuple
    account: int | None


@dataclass(frozen=True)
class CreditKey:
    sender: int | None
    account: int | None


@dataclass
class Item:
    """One journal item: its amount in cents and the allocation lines behind it."""

    cents: int = 0
    line_ids: list = field(default_factory=list)


@dataclass
class Entry:
    """One journal entry: debit items per receiver, dimensions and account; credit items per sender and account."""

    receiver: int | None  # the receiver of a per-receiver entry
    debits: dict = field(default_factory=dict)  # DebitKey -> Item
    credits: dict = field(default_factory=dict)  # CreditKey -> Item
    key: object = None  # the entry grouping's key of the entry's shares

    @property
    def total(self):
        return sum(item.cents for item in self.debits.values())


class PostingError(ValueError):
    pass


def chargeback_entries(shares, per_receiver=False, grouping=None):
    """Entries for ``shares``; each one balances to the cent. Zero amounts are left out.

    ``grouping``: an entry grouping (``styles.EntryGrouping``) whose keys split the shares into entries; without
    it, one entry, or one per receiver with ``per_receiver``."""
    if grouping is None:
        grouping = styles.grouping("receiver" if per_receiver else "run")
    groups = defaultdict(list)
    for share in shares:
        groups[grouping.entry_key(share)].append(share)
    entries = []
    for key in sorted(groups, key=_key_order):
        receiver = grouping.entry_receiver(key)
        debits, credits = defaultdict(Item), defaultdict(Item)
        for share in groups[key]:
            for item in (
                debits[DebitKey(share.receiver, tuple(share.dimensions), share.debit_account)],
                credits[CreditKey(share.sender, share.credit_account)],
            ):
                item.cents += share.cents
                item.line_ids.extend(share.line_ids)
        entry = Entry(receiver, _kept(debits), _kept(credits), key)
        if entry.total != sum(item.cents for item in entry.credits.values()):
            raise PostingError(f"entry {key} does not balance")
        if entry.debits or entry.credits:
            entries.append(entry)
    return entries


def _kept(items):
    """Non-zero items in a stable order, each with its allocation lines sorted."""
    return {
        key: Item(item.cents, sorted(set(item.line_ids)))
        for key, item in sorted(items.items(), key=lambda pair: _order(pair[0]))
        if item.cents
    }


def _key_order(key):
    parts = key if isinstance(key, tuple) else (key,)
    return tuple((part is None, 0 if part is None else part) for part in parts)


def _order(key):
    parts = []
    for value in vars(key).values():
        for part in value if isinstance(value, tuple) else (value,):
            parts.append((part is None, 0 if part is None else part))
    return tuple(parts)
