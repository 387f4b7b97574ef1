from . import cloud_cost_source
from . import cloud_cost_bill_import
