from . import test_import_azure
