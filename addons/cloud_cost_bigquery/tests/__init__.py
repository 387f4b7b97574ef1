from . import test_import_bigquery
