from . import cloud_cost_source
from . import cloud_cost_import_batch
from . import cloud_cost_line
