from . import test_matching
from . import test_ledger
from . import test_cli
from . import test_unused_commitment
from . import test_clearing_pools
from . import test_invoice_detail
from . import test_correction_currencies
