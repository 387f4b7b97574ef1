from . import test_aggregation_sql
