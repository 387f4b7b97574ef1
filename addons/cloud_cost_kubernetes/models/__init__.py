from . import cloud_cost_usage_source
from . import cloud_cost_usage
from . import cloud_cost_allocation_key
from . import cloud_cost_driver_value
from . import account_analytic_account
from . import account_journal
from . import res_users
