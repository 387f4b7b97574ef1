"""The pieces of an allocation line's trace, from the run's frozen snapshot: plain data, no ORM."""

from decimal import Decimal


def driver_shares(values, receiver):
    """The driver values a step split by, each with its share of the total.

    ``values``: [[kind, id, value text]] as a run's snapshot keeps them for one allocation key
    (kind "a" for a business unit, "p" for a pool); ``receiver``: (kind, id) of the line's
    receiver, flagged in the result. Returns (rows, total) with rows as dicts
    {kind, id, value, share, is_receiver}, values and shares exact Decimals.
    """
    rows = [(kind, int(ident), Decimal(str(value))) for kind, ident, value in values]
    total = sum((value for _kind, _ident, value in rows), Decimal(0))
    receiver = (receiver[0], int(receiver[1])) if receiver else None
    return [
        {
            "kind": kind,
            "id": ident,
            "value": value,
            "share": value / total if total else Decimal(0),
            "is_receiver": (kind, ident) == receiver,
        }
        for kind, ident, value in sorted(rows, key=lambda row: (-row[2], row[0], row[1]))
    ], total


def step_rule(snapshot, step_id, sequence):
    """The step's rule as the run froze it: matched by id, else by sequence (a step since deleted)."""
    steps = ((snapshot or {}).get("rules") or {}).get("steps") or []
    for step in steps:
        if step_id and step.get("id") == step_id:
            return step
    matching = [step for step in steps if step.get("sequence") == sequence]
    return matching[0] if len(matching) == 1 else None


def rule_items(rule, name_of):
    """(label, text) pairs of a frozen step, in reading order, for display; ``name_of(kind, id)``
    names a business unit ("a") or pool ("p") the snapshot keeps by id only."""
    if not rule:
        return []

    def names(entries):
        return ", ".join(str(entry[-1]) for entry in entries or []) or "-"

    items = [
        ("Step", f"{rule.get('sequence')} {rule.get('name') or ''}".strip()),
        ("Sender pool", (rule.get("sender_pool") or [None, "-"])[1]),
        ("Method", rule.get("method") or "-"),
        ("Allocation key", (rule.get("key") or [None, "-"])[1]),
        ("Cost category", rule.get("cost_category") or "-"),
        ("Receivers", names(rule.get("receivers")) if rule.get("receivers") else "the method's receivers"),
        ("Excluded", names(rule.get("excluded"))),
    ]
    if rule.get("percents"):
        items.append(
            (
                "Percentages",
                ", ".join(f"{name_of(kind, ident)}: {percent} %" for kind, ident, percent in rule["percents"]),
            )
        )
    if rule.get("remainder"):
        items.append(("Remainder to", name_of(*rule["remainder"])))
    if rule.get("reciprocal_group"):
        items.append(("Reciprocal group", rule["reciprocal_group"]))
    return items


def combine_file_groups(group_lists):
    """Per-file groups of cost lines [(batch, file, rows, amount text, EffectiveCost text, first row, last row)]
    of several sets of lines, added up file by file (exactly), in the order of batch and file."""
    combined = {}
    for groups in group_lists:
        for batch, name, count, amount, effective, first, last in groups:
            key = (batch, name)
            if key not in combined:
                combined[key] = [count, Decimal(amount), Decimal(effective), first, last]
                continue
            entry = combined[key]
            entry[0] += count
            entry[1] += Decimal(amount)
            entry[2] += Decimal(effective)
            entry[3] = first if entry[3] is None else entry[3] if first is None else min(entry[3], first)
            entry[4] = last if entry[4] is None else entry[4] if last is None else max(entry[4], last)
    return sorted(
        (
            (batch, name, count, str(amount), str(effective), first, last)
            for (batch, name), (count, amount, effective, first, last) in combined.items()
        ),
        key=file_group_order,
    )


def file_group_order(group):
    """The order of per-file groups: by batch, then file name (by code point), the lines of no file last."""
    return (group[0], group[1] is None, group[1] or "")


def cost_lines_shared(sender_pool_id, line_type, method):
    """Whether the cost lines behind an allocation line are its sender pool's whatever its receiver: the
    same for every line of its step and pool. A direct cost, what was left unallocated and the direct
    method follow the receiver (and its dimensions) instead; see the allocation line's cost view."""
    return bool(sender_pool_id) and line_type not in ("direct", "unallocated") and method != "direct"


def whole_units(line_count, unit_line_count):
    """Whether direct cost lines traced together are all of their run's direct lines to their business units
    (``unit_line_count``): as the run made one direct line per business unit and dimensions of its cost lines,
    each cost line stands behind exactly one of them, and together they stand for all those units' direct
    costs, which are then found by unit alone rather than matched line by line."""
    return line_count > 1 and line_count == unit_line_count
