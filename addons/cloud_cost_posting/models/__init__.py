from . import res_company
from . import account_analytic_account
from . import cloud_cost_allocation_policy
from . import account_move
from . import account_move_line
from . import cloud_cost_allocation_run
from . import cloud_cost_month_overview
