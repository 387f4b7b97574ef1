from . import cloud_cost_coded_mixin
from . import cloud_cost_source
from . import cloud_cost_import_batch
from . import cloud_cost_line
from . import cloud_cost_pool
from . import cloud_cost_allocation_key
from . import cloud_cost_service_tier
from . import cloud_cost_driver_value
