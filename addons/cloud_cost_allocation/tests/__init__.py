from . import test_run
from . import test_kpis
from . import test_cli
from . import test_controls
from . import test_method_registry
from . import test_production_environments
