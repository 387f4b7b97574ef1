from . import cloud_cost_allocation_test_run
