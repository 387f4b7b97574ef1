from . import res_company
from . import account_move
from . import cloud_cost_invoice_match
from . import cloud_cost_accrual
from . import cloud_cost_reconciliation
from . import cloud_cost_month_overview
from . import cloud_cost_commitment_release
from . import cloud_cost_correction
