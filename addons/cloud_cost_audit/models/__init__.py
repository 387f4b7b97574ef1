from . import cloud_cost_allocation_run
from . import cloud_cost_allocation_line
from . import cloud_cost_line
