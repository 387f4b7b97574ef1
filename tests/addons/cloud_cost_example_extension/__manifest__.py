{
    "name": "Cloud Cost Extension Example",
    "summary": "Example of the suite's extension seams, installed by ./setup/test only",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/cloudcost-odoo/cloudcost",
    "author": "CloudCost Contributors",
    "license": "AGPL-3",
    "installable": True,
    "depends": ["cloud_cost_allocation", "cloud_cost_posting"],
    "data": [],
}
