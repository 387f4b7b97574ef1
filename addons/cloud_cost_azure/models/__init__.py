from . import cloud_cost_source
from . import cloud_cost_bill_import
from . import cloud_cost_source_summed
from . import cloud_cost_import_file
