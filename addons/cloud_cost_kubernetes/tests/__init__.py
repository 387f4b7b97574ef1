from . import test_opencost_core
from . import test_usage_import
