"""Plain-text report of an allocation result: per-receiver totals and SAP's 100 % check."""

from decimal import Decimal


def money(units, digits=2):
    return _money(units, digits)


def _money(units, digits=2):
    """An amount in the currency's smallest unit as text with the currency's decimal places."""
    return f"{Decimal(units).scaleb(-digits):,.{max(digits, 0)}f}"


def summary_lines(result, names, currency="", total_taken=None):
    """Lines of text. ``names``: {("a"|"p", id): label}; ``total_taken``: the cost lines read, in the
    currency's smallest unit (``result.digits`` decimal places)."""
    digits = getattr(result, "digits", 2)

    def money(units):
        return _money(units, digits)

    lines = []
    width = max([len(v) for v in names.values()] + [24])
    lines.append(f"{'Receiver':<{width}}  {'Amount ' + currency:>20}")
    for (kind, ident), cents in sorted(result.receiver_totals().items(), key=lambda kv: (-kv[1], kv[0])):
        if kind == "analytic":
            label = names.get(("a", ident), f"business unit {ident}")
        else:
            label = "(unallocated and idle, kept visible)"
        lines.append(f"{label:<{width}}  {money(cents):>20}")
    lines.append(f"{'Total':<{width}}  {money(result.total):>20}")
    lines.append("")
    lines.append(
        f"{'Sender pool':<{width}}  {'Own':>16} {'Received':>16} {'Credited':>16} {'Kept':>14} {'Credited %':>10}"
    )
    for pool_id, balance in sorted(result.senders.items()):
        label = names.get(("p", pool_id), f"pool {pool_id}")
        lines.append(
            f"{label:<{width}}  {money(balance.own):>16} {money(balance.received):>16} "
            f"{money(balance.credited):>16} {money(balance.kept):>14} {balance.credited_percent:>9}%"
            + ("" if balance.balanced else "  NOT BALANCED")
        )
    final = int(result.final_lines()["cents"].sum())
    checks = [final == result.total] + [b.balanced for b in result.senders.values()]
    if total_taken is not None:
        checks.append(total_taken == result.total)
        lines.append("")
        lines.append(f"cost lines taken: {money(total_taken)}   allocated lines: {money(final)}")
    fully = all(b.credited_percent == 100 for b in result.senders.values())
    lines.append(
        "100% check: " + ("OK" if all(checks) else "FAILED") + ("" if fully else " (some pools keep idle cost visible)")
    )
    return lines, all(checks)
