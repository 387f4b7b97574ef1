from . import test_entries
from . import test_posting
from . import test_concurrent_posting
from . import test_cli
from . import test_currency_precision
from . import test_posting_styles
from . import test_concurrent_reversal
from . import test_bulk_items
