from . import test_aggregation_sql
from . import test_aggregated_import
