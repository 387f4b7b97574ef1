from . import test_run_job
from . import test_import_job
from . import test_import_bound
from . import test_schedule
from . import test_transient
