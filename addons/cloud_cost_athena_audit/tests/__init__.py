from . import test_summed_trace
