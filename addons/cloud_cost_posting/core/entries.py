"""Chargeback journal entries of an allocation run, as plain data (amounts in cents).

A final allocation line moves an amount from a sender (a cost pool, or nothing for a
business unit's direct cost) to a receiver (a business unit). Posting debits each
receiver and credits each sender: the cost leaves the central accounts and lands on
the business units. One entry per run, or one per receiver.
"""

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Share:
    """Cents moved from ``sender`` (pool id, or None for direct cost) to ``receiver`` (analytic account id)."""

    sender: int | None
    receiver: int
    environment: str | None
    cents: int


@dataclass
class Entry:
    """One journal entry: debits per (receiver, environment), credits per sender; both in cents."""

    receiver: int | None  # the receiver of a per-receiver entry
    debits: dict = field(default_factory=dict)  # (receiver, environment) -> cents
    credits: dict = field(default_factory=dict)  # sender -> cents

    @property
    def total(self):
        return sum(self.debits.values())


class PostingError(ValueError):
    pass


def chargeback_entries(shares, per_receiver=False):
    """Entries for ``shares``; each one balances to the cent. Zero amounts are left out."""
    groups = defaultdict(list)
    for share in shares:
        groups[share.receiver if per_receiver else None].append(share)
    entries = []
    for receiver in sorted(groups, key=lambda r: (r is None, r or 0)):
        entry = Entry(receiver)
        debits, credits = defaultdict(int), defaultdict(int)
        for share in groups[receiver]:
            debits[(share.receiver, share.environment or None)] += share.cents
            credits[share.sender] += share.cents
        entry.debits = {key: cents for key, cents in sorted(debits.items(), key=_order) if cents}
        entry.credits = {key: cents for key, cents in sorted(credits.items(), key=_order) if cents}
        if sum(entry.debits.values()) != sum(entry.credits.values()):
            raise PostingError(f"entry of receiver {receiver} does not balance")
        if entry.debits or entry.credits:
            entries.append(entry)
    return entries


def _order(item):
    key = item[0]
    parts = key if isinstance(key, tuple) else (key,)
    return tuple((part is None, "" if part is None else str(part)) for part in parts)
