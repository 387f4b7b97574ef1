from . import cloud_cost_driver_import_wizard
