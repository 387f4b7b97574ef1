from . import test_run_job
from . import test_import_job
from . import test_import_bound
