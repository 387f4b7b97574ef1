from . import test_oci_bill
