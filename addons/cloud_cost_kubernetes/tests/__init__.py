from . import test_opencost_core
from . import test_usage_import
from . import test_cluster_drivers
from . import test_odoo_drivers
from . import test_entered_drivers
from . import test_commands
from . import test_usage_targets
from . import test_companies
