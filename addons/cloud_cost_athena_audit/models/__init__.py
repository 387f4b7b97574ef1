from . import cloud_cost_line
