"""Daily effective cost in company currency, summed in the database (never line by line in Python)."""

from collections import defaultdict


def read_daily_costs(env, company, date_from, date_to, analytic_account_ids=None, by_service=False):
    """{(analytic_account_id, service_name or None): {date: Decimal}} for imported bills.

    Lines without a business unit are keyed with analytic_account_id None.
    """
    service = "line.service_name" if by_service else "NULL::varchar"
    where_units = "AND line.analytic_account_id = ANY(%(units)s)" if analytic_account_ids else ""
    env.cr.execute(
        f"""
        SELECT line.analytic_account_id, {service}, line.charge_period_start::date,
               sum(line.effective_cost_company)
          FROM cloud_cost_line line
          JOIN cloud_cost_import_batch batch ON batch.id = line.batch_id
         WHERE batch.state = 'imported'
           AND line.company_id = %(company)s
           AND line.charge_period_start >= %(date_from)s
           AND line.charge_period_start < %(date_to)s::date + 1
           {where_units}
      GROUP BY 1, 2, 3
        """,
        {"company": company.id, "date_from": date_from, "date_to": date_to, "units": list(analytic_account_ids or [])},
    )
    series = defaultdict(dict)
    for unit_id, service_name, day, cost in env.cr.fetchall():
        series[(unit_id, service_name)][day] = cost
    return series
