from . import test_run_hash
from . import test_trace_core
from . import test_audit
from . import test_sealing
from . import test_tracking
from . import test_auditor_pack
