from . import daily_costs
from . import account_analytic_account
from . import cloud_cost_report_monthly
from . import cloud_cost_budget
from . import cloud_cost_anomaly
from . import cloud_cost_month_overview
