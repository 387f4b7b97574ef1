from . import test_money
from . import test_access
from . import test_models
from . import test_import_bulk_copy
from . import test_tours
from . import test_import_mapping
from . import test_import_schedule
