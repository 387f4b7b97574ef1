from . import test_oci_bill
from . import test_previous_month_cost_per_pool
