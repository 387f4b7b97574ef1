"""Calendar months, the period of every bill, budget, allocation run and close, on Odoo's ``date_utils``.

Dates give dates; datetimes give datetimes (a month's end as a datetime is its last microsecond).
"""

from odoo.tools import date_utils


def month_start(day):
    """First day of the month of ``day``."""
    return date_utils.start_of(day, "month")


def month_end(day):
    """Last day of the month of ``day``."""
    return date_utils.end_of(day, "month")


def month_bounds(day):
    """(first day, last day) of the month of ``day``."""
    return month_start(day), month_end(day)


def next_month_start(day):
    """First day of the month after the month of ``day``."""
    return date_utils.add(month_start(day), months=1)


def previous_month_start(day):
    """First day of the month before the month of ``day``."""
    return date_utils.subtract(month_start(day), months=1)


def month_starts(last, count):
    """The first days of the ``count`` months up to and including the month of ``last``, oldest first."""
    first = date_utils.subtract(month_start(last), months=count - 1)
    return [date_utils.add(first, months=index) for index in range(count)]
