from . import cloud_cost_source
