"""Provider invoices against the imported bill: the difference and its causes, in plain Python.

The imported bill (FOCUS BilledCost) holds rows an invoice may leave out: tax (invoices are compared on
their untaxed amount), credits and refunds (often a credit note of their own), commitment purchases
(often invoiced apart) and marketplace charges (invoiced by the marketplace). Two causes are facts, not
guesses: a bill restated after the invoice (billed cost now minus billed cost as of the invoice) and the
conversion into the invoice currency. What is left within the rounding tolerance is rounding.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

# the order causes are shown in
CAUSES = ("tax", "credit", "purchase", "marketplace", "restatement", "currency", "rounding")
# bill components an invoice may or may not include
OPTIONAL_CAUSES = ("tax", "credit", "purchase", "marketplace")
STATES = ("matched", "explained", "unexplained", "missing")

ZERO = Decimal(0)


@dataclass(frozen=True)
class BillFigures:
    """What the imported batches of one match hold, in the invoice currency."""

    billed: Decimal
    tax: Decimal = ZERO
    credit: Decimal = ZERO
    purchase: Decimal = ZERO
    marketplace: Decimal = ZERO
    restatement: Decimal = ZERO  # billed now minus billed as of the invoice date
    currency: Decimal = ZERO  # billed converted at the import's rates minus at the invoice's

    def component(self, cause):
        return getattr(self, cause)


@dataclass(frozen=True)
class Match:
    invoiced: Decimal | None  # None: no invoice booked
    imported: Decimal
    difference: Decimal  # imported - invoiced
    causes: dict = field(default_factory=dict)  # cause -> amount of the difference it explains
    unexplained: Decimal = ZERO
    state: str = "matched"


def _quantize(amount, places):
    return Decimal(amount).quantize(Decimal(1).scaleb(-places))


def match(invoiced, figures, tolerance=Decimal("0.01"), places=2):
    """Compare an invoice's untaxed amount (``invoiced``, None when none is booked) with ``figures``.

    The factual causes (restatement, currency) are taken as they are. Of the optional components, the
    set whose sum brings the rest within ``tolerance`` is taken, the smallest set first and, among sets
    of one size, the closest; what then remains is rounding. No such set: the rest is unexplained."""
    imported = _quantize(figures.billed, places)
    if invoiced is None:
        return Match(None, imported, imported, {}, imported, "missing")
    invoiced = _quantize(invoiced, places)
    difference = imported - invoiced
    if abs(difference) <= tolerance:
        causes = {"rounding": difference} if difference else {}
        return Match(invoiced, imported, difference, causes, ZERO, "matched")
    causes = {}
    rest = difference
    for cause in ("restatement", "currency"):
        amount = _quantize(figures.component(cause), places)
        if amount:
            causes[cause] = amount
            rest -= amount
    components = [(cause, _quantize(figures.component(cause), places)) for cause in OPTIONAL_CAUSES]
    components = [(cause, amount) for cause, amount in components if amount]
    chosen = None
    if abs(rest) > tolerance:
        for size in range(1, len(components) + 1):
            fits = [
                subset
                for subset in combinations(components, size)
                if abs(rest - sum(amount for _cause, amount in subset)) <= tolerance
            ]
            if fits:
                chosen = min(fits, key=lambda subset: abs(rest - sum(amount for _cause, amount in subset)))
                break
        if chosen is None:
            return Match(invoiced, imported, difference, causes, rest, "unexplained")
        for cause, amount in chosen:
            causes[cause] = amount
            rest -= amount
    if rest:
        causes["rounding"] = rest
    ordered = {cause: causes[cause] for cause in CAUSES if cause in causes}
    return Match(invoiced, imported, difference, ordered, ZERO, "explained")


def link_groups(edges, invoices=(), batches=()):
    """Groups of invoices and batches linked to each other, directly or through one another (several
    invoices per batch and several batches per invoice): [(frozenset invoices, frozenset batches)].
    ``edges``: (invoice, batch) pairs; unlinked ``invoices`` and ``batches`` make groups of their own."""
    parent = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for invoice, batch in edges:
        parent[find(("i", invoice))] = find(("b", batch))
    for invoice in invoices:
        find(("i", invoice))
    for batch in batches:
        find(("b", batch))
    groups = {}
    for node in list(parent):
        groups.setdefault(find(node), []).append(node)
    result = []
    for nodes in groups.values():
        result.append((frozenset(n[1] for n in nodes if n[0] == "i"), frozenset(n[1] for n in nodes if n[0] == "b")))
    return sorted(result, key=lambda group: (not group[1], sorted(group[1]), sorted(map(str, group[0]))))


def match_provider_invoice(invoiced, figures, invoice, tolerance=Decimal("0.01"), places=2):
    """Compare the vendor bills (``invoiced``, untaxed; None when none is booked) with the bill rows through the
    provider's own invoice (``invoice``: {ChargeCategory: BilledCost} of its FOCUS 1.4 Invoice Detail).

    What the rows hold that the provider's invoice leaves out is taken category by category (a purchase or a
    credit invoiced apart: the rows' amount less the invoice's); tax is the rows' (invoices are compared
    untaxed). Those causes explain the bill rows against the provider's invoice; what separates the vendor
    bills from the provider's invoice is no cause at all but a booking difference: unexplained beyond the
    rounding tolerance."""
    provider = _quantize(sum((amount for category, amount in invoice.items() if category != "Tax"), ZERO), places)
    known = BillFigures(
        billed=figures.billed,
        tax=figures.tax,
        marketplace=figures.marketplace,
        purchase=figures.purchase - invoice.get("Purchase", ZERO),
        credit=figures.credit - invoice.get("Credit", ZERO),
        restatement=figures.restatement,
        currency=figures.currency,
    )
    against_provider = match(provider, known, tolerance=tolerance, places=places)
    if invoiced is None:
        return match(None, figures, tolerance=tolerance, places=places)
    invoiced = _quantize(invoiced, places)
    imported = against_provider.imported
    difference = imported - invoiced
    causes = dict(against_provider.causes)
    unexplained = against_provider.unexplained
    booking = provider - invoiced
    if abs(booking) > tolerance:
        unexplained += booking
    elif booking:
        causes["rounding"] = causes.get("rounding", ZERO) + booking
    ordered = {cause: causes[cause] for cause in CAUSES if causes.get(cause)}
    if unexplained:
        state = "unexplained"
    elif abs(difference) <= tolerance:
        state = "matched"
    else:
        state = "explained"
    return Match(invoiced, imported, difference, ordered, unexplained, state)
