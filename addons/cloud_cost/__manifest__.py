{
    "name": "Cloud Cost",
    "summary": "Cloud bills and cluster usage as accountable costs: sources, "
    "import batches, cost lines, cost pools, allocation keys, service tiers",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "application": False,
    "installable": True,
    "depends": ["account", "analytic", "mail"],
    "external_dependencies": {"python": ["pandas", "pyarrow", "boto3"]},
    "data": [
        "security/cloud_cost_security.xml",
        "security/ir.model.access.csv",
        "security/cloud_cost_rules.xml",
        "data/cloud_cost_service_tier_data.xml",
        "wizards/cloud_cost_import_wizard_views.xml",
        "wizards/cloud_cost_mapping_apply_wizard_views.xml",
        "views/cloud_cost_mapping_rule_views.xml",
        "views/cloud_cost_source_views.xml",
        "views/cloud_cost_import_batch_views.xml",
        "views/cloud_cost_line_views.xml",
        "views/cloud_cost_pool_views.xml",
        "views/cloud_cost_allocation_key_views.xml",
        "views/cloud_cost_service_tier_views.xml",
        "views/res_company_views.xml",
        "views/cloud_cost_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "cloud_cost/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/cloud_cost_demo.xml",
    ],
}
