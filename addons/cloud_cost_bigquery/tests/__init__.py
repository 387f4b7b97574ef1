from . import test_import_bigquery
from . import test_summed_trace_bigquery
