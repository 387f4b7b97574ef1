from . import oci
