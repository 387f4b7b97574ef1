{
    "name": "Cloud Cost Ledger Close",
    "summary": "Close the month in the ledger: provider invoices matched to the imported bills, accruals for "
    "late invoices reversed on the first of the next month, clearing accounts checked, a reconciliation report",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost_posting", "cloud_cost_report", "account"],
    "data": [
        "security/ir.model.access.csv",
        "security/cloud_cost_ledger_rules.xml",
        "views/cloud_cost_invoice_match_views.xml",
        "views/cloud_cost_accrual_views.xml",
        "views/cloud_cost_commitment_release_views.xml",
        "views/cloud_cost_reconciliation_views.xml",
        "views/account_move_views.xml",
        "views/res_company_views.xml",
        "views/cloud_cost_month_overview_views.xml",
        "views/cloud_cost_ledger_menus.xml",
    ],
}
