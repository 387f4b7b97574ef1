from . import test_aggregation_sql
from . import test_aggregated_import
from . import test_athena_targets
from . import test_bill_rows
