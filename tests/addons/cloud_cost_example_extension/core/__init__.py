from . import oci
from . import previous_month_cost
from . import per_pool_entries
