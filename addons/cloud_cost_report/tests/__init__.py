from . import test_anomaly
from . import test_month_end
from . import test_forecast
from . import test_reports
from . import test_production_environments
