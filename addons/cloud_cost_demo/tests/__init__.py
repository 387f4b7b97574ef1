from . import test_focus_month
from . import test_demo_data
from . import test_journeys
from . import test_close_journeys
