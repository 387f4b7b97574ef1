from . import test_oci_bill
from . import test_previous_month_cost_per_pool
from . import test_three_seams_end_to_end
