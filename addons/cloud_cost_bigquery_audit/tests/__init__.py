from . import test_bigquery_trace
