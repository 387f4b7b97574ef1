"""Accrual entries from imported cost, and the month's reconciliation, in plain Python."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)


def to_units(amount, places=2):
    """``amount`` in the currency's smallest units (cents for two decimals), rounded half up."""
    return int((Decimal(amount).scaleb(places)).to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class AccrualLine:
    account: int
    analytic: int | None
    units: int  # debit when positive, in the currency's smallest units


def accrual_lines(rows, places=2):
    """Debit lines of an accrual: ``rows`` of (account, analytic account or None, amount) summed per account
    and analytic account, each rounded once; the entry's credit is their sum. Lines that round to zero are
    dropped."""
    sums = {}
    for account, analytic, amount in rows:
        key = (account, analytic)
        sums[key] = sums.get(key, ZERO) + Decimal(amount)
    lines = [AccrualLine(account, analytic, to_units(amount, places)) for (account, analytic), amount in sums.items()]
    lines = [line for line in lines if line.units]
    lines.sort(key=lambda line: (line.account, line.analytic or 0))
    return lines, sum(line.units for line in lines)


STAGES = ("invoiced", "imported", "allocated", "posted", "accrued")


@dataclass(frozen=True)
class ReconciliationRow:
    """One source of one month, company currency: invoice -> imported bill -> allocated -> posted -> accrued."""

    source: str
    invoiced: Decimal
    imported: Decimal
    allocated: Decimal
    posted: Decimal
    accrued: Decimal
    state: str = ""
    open: Decimal = ZERO  # neither invoiced, nor explained, nor accrued

    @property
    def posting_gap(self):
        """Allocated to business units but not posted."""
        return self.allocated - self.posted


def total_row(rows, label="Total"):
    def total(name):
        return sum((getattr(row, name) for row in rows), ZERO)

    return ReconciliationRow(label, *(total(stage) for stage in STAGES), state="", open=total("open"))


def format_table(rows, currency=""):
    """The reconciliation as a text table (command line)."""
    header = ("Source", "Invoiced", "Imported", "Allocated", "Posted", "Accrued", "Open", "State")
    body = [header]
    for row in [*rows, total_row(rows)]:
        body.append((row.source, *(f"{getattr(row, stage):,.2f}" for stage in STAGES), f"{row.open:,.2f}", row.state))
    widths = [max(len(str(line[i])) for line in body) for i in range(len(header))]
    out = []
    for index, line in enumerate(body):
        cells = [
            str(cell).ljust(widths[0]) if i == 0 else str(cell).rjust(widths[i]) if i < 7 else str(cell)
            for i, cell in enumerate(line)
        ]
        out.append("  ".join(cells).rstrip())
        if index == 0 or index == len(body) - 2:
            out.append("-" * len(out[-1]))
    if currency:
        out.append(f"(amounts in {currency})")
    return "\n".join(out)
