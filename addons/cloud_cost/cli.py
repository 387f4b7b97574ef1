"""Command-line commands of cloud_cost, registered into ./setup/cloudcost."""
# pylint: disable=print-used


def register(commands):
    status = commands.add_parser("status", help="installed suite modules and what the database holds")
    status.set_defaults(handler=run_status)


def run_status(env, args):
    modules = env["ir.module.module"].sudo().search([("name", "=like", "cloud_cost%")], order="name")
    print(f"database: {env.cr.dbname}   company: {env.company.name}   user: {env.user.login}")
    for module in modules:
        print(f"  {module.name:<32} {module.state:<12} {module.latest_version or ''}")
    counts = [
        ("cost sources", "cloud.cost.source"),
        ("import batches", "cloud.cost.import.batch"),
        ("cost lines", "cloud.cost.line"),
        ("cost pools", "cloud.cost.pool"),
        ("allocation keys", "cloud.cost.allocation.key"),
        ("service tiers", "cloud.cost.service.tier"),
    ]
    for label, model in counts:
        print(f"{label:>16}: {env[model].search_count([])}")
    return 0
