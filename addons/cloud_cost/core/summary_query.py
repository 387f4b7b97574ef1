"""Cost-line aggregates answered from the cost-line summary, when the summary gives the same answer.

The summary keeps the cost lines of each batch summed per UTC month and per business unit,
pool, provider, service, environment and allocation state. A grouping of the cost lines can
be read from it when every part of the question is made of those: the groups, the sums, and
a filter whose every condition selects whole summary rows. Anything else (a filter on a
resource, a day of the month, an average) returns None and the lines themselves are read.
No ORM here.
"""

from datetime import date, datetime, time

from .periods import month_end, month_start, next_month_start

# fields the cost lines and the summary both keep, under the same name and with the same meaning
SAME_FIELDS = frozenset(
    {
        "company_id",
        "batch_id",
        "analytic_account_id",
        "cost_pool_id",
        "provider_name",
        "service_name",
        "environment",
        "is_unallocated",
    }
)
MONTH_FIELD = "charge_period_start"
# cost-line aggregate -> summary aggregate
AGGREGATES = {
    "__count": "line_count:sum",
    "effective_cost_company:sum": "effective_cost:sum",
    "billed_cost_company:sum": "billed_cost:sum",
}
GRANULARITIES = ("month", "quarter", "year")
LOGICAL = ("&", "|", "!")
# zones whose months are the UTC months the summary keeps
UTC_ZONES = {None, False, "", "UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"}


def _moment(value):
    """A domain value on a datetime field as a datetime, or None when it is not one."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _month_start(moment):
    return moment == month_start(moment)


def _month_end(moment):
    """The last second of a month (Odoo's date pickers end a day at 23:59:59)."""
    return moment == month_end(moment).replace(microsecond=0)


def _first_of_month(moment):
    return month_start(moment.date())


def _next_month(moment):
    return next_month_start(moment.date())


def _period_leaf(operator, value):
    """A condition on the charge period start as one on the month, when it keeps or drops whole months."""
    if operator in ("=", "!=") and value is False:
        return ("month", operator, False)
    moment = _moment(value)
    if moment is None:
        return None
    if operator == ">=" and _month_start(moment):
        return ("month", ">=", _first_of_month(moment))
    if operator == "<" and _month_start(moment):
        return ("month", "<", _first_of_month(moment))
    if operator == "<=" and _month_end(moment):
        return ("month", "<=", _first_of_month(moment))
    if operator == ">" and _month_end(moment):
        return ("month", ">=", _next_month(moment))
    return None


def _leaf(leaf):
    if not isinstance(leaf, list | tuple) or len(leaf) != 3:
        return None
    path, operator, value = leaf
    if path in (0, 1) and operator == "=" and value in (0, 1):  # Odoo's constant leaves
        return tuple(leaf)
    if not isinstance(path, str):
        return None
    head = path.partition(".")[0]
    if head in SAME_FIELDS:
        return (path, operator, value)
    if path == MONTH_FIELD:
        return _period_leaf(operator, value)
    return None


def summary_domain(domain):
    """The domain over the summary selecting the summary rows of exactly the lines ``domain`` selects."""
    translated = []
    for item in domain or ():
        if isinstance(item, str):
            if item not in LOGICAL:
                return None
            translated.append(item)
            continue
        leaf = _leaf(item)
        if leaf is None:
            return None
        translated.append(leaf)
    return translated


def summary_groupby(spec, tz):
    head, _colon, granularity = spec.partition(":")
    if head in SAME_FIELDS and not granularity:
        return head
    if head == MONTH_FIELD and granularity in GRANULARITIES and tz in UTC_ZONES:
        return f"month:{granularity}"
    return None


def summary_order(order, groupby_map):
    """The order of the groups, with the lines' groupby specs replaced by the summary's."""
    if not order:
        return order
    parts = []
    for term in order.split(","):
        words = term.split()
        if not words:
            continue
        spec, direction = words[0], words[1:]
        if spec in groupby_map:
            spec = groupby_map[spec]
        elif spec in AGGREGATES:
            spec = AGGREGATES[spec]
        else:
            return None
        if [w.upper() for w in direction] not in ([], ["ASC"], ["DESC"]):
            return None
        parts.append(" ".join([spec, *direction]))
    return ", ".join(parts)


def summary_question(domain, groupby, aggregates, having, order, tz):
    """(domain, groupby, aggregates, order) of the same question over the summary, or None."""
    if having or not groupby:
        return None
    groupby_map = {}
    for spec in groupby:
        translated = summary_groupby(spec, tz)
        if translated is None:
            return None
        groupby_map[spec] = translated
    if any(spec not in AGGREGATES for spec in aggregates):
        return None
    where = summary_domain(domain)
    if where is None:
        return None
    ordered = summary_order(order, groupby_map)
    if order and ordered is None:
        return None
    return where, [groupby_map[spec] for spec in groupby], [AGGREGATES[spec] for spec in aggregates], ordered


def as_line_value(spec, value):
    """A summary group's value as the lines' grouping gives it: months of a datetime field are datetimes."""
    if spec.partition(":")[0] == MONTH_FIELD and isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value
