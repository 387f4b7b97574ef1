from . import test_run_hash
from . import test_audit
