from . import cloud_cost_source
from . import cloud_cost_allocation_run
from . import cloud_cost_invoice_match
