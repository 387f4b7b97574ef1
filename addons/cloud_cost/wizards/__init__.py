from . import cloud_cost_import_wizard
from . import cloud_cost_mapping_apply_wizard
