from . import cloud_cost_driver_import_wizard
from . import cloud_cost_driver_compute_wizard
from . import cloud_cost_usage_import_wizard
