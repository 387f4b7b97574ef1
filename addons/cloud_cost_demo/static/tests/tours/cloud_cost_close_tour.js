/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openCloudCostsMenu } from "@cloud_cost_demo/../tests/tours/cloud_cost_tour_steps";

// An accountant opens the older month's provider invoices, finds AWS's invoice explained (the Savings
// Plan fee is invoiced apart) and follows it to the month's reconciliation.
registry.category("web_tour.tours").add("cloud_cost_accountant_reviews_reconciliation", {
    url: "/odoo",
    steps: () => [
        ...openCloudCostsMenu("cloud_cost_ledger.cloud_cost_invoice_match_menu", "Open the provider invoices"),
        {
            content: "Open the invoice whose difference is explained",
            trigger: ".o_list_view .o_data_row:has(.o_data_cell[name=state]:contains(Explained difference)) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The difference is the commitment purchase invoiced apart",
            trigger: ".o_form_view .o_field_widget[name=purchase_amount]:not(:contains(0.00))",
        },
        {
            content: "Nothing is left unexplained",
            trigger: ".o_form_view .o_field_widget[name=unexplained_amount]:contains(0.00)",
        },
        {
            content: "Open the month's reconciliation",
            trigger: ".oe_stat_button:contains(Reconciliation)",
            run: "click",
        },
        {
            content: "The source's invoice shows as explained",
            trigger: ".o_field_widget[name=line_ids] .o_data_row .o_data_cell[name=state_label]:contains(Explained difference)",
        },
        {
            content: "The clearing accounts net out",
            trigger: ".o_field_widget[name=clearing_nets_out] input:checked",
        },
    ],
});

// A controller closes last month: its invoices have not arrived, the demo user proposed the accrual,
// the controller posts it from the month overview.
registry.category("web_tour.tours").add("cloud_cost_controller_posts_accrual", {
    url: "/odoo",
    steps: () => [
        ...openCloudCostsMenu("cloud_cost_report.cloud_cost_month_overview_menu", "Open the month overview"),
        {
            content: "Last month's accrual is proposed",
            trigger: ".o_field_widget[name=accrual_ids] .o_data_row:contains(Proposed)",
        },
        {
            content: "Post the accruals",
            trigger: "button[name=action_post_accruals]",
            run: "click",
        },
        {
            content: "The accrual is posted",
            trigger: ".o_field_widget[name=accrual_ids] .o_data_row:contains(Posted)",
        },
        {
            content: "The checklist says so",
            trigger: ".o_field_widget[name=check_accruals_posted] input:checked",
        },
    ],
});
