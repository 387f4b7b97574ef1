from . import cloud_cost_line
from . import cloud_cost_import_file
