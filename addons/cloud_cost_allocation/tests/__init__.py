from . import test_run
from . import test_kpis
from . import test_cli
from . import test_controls
from . import test_currency_digits
from . import test_engine_methods
from . import test_engine_properties
from . import test_engine_textbook
