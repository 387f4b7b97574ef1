from . import test_import_azure
from . import test_summed_azure
