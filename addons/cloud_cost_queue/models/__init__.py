from . import cloud_cost_job
from . import cloud_cost_source
from . import cloud_cost_bill_import
from . import cloud_cost_allocation_policy
from . import cloud_cost_allocation_run
