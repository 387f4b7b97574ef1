from . import test_matching
from . import test_ledger
from . import test_cli
