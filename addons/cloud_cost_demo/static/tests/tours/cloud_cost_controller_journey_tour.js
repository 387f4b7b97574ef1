/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openCloudCostsMenu } from "@cloud_cost_demo/../tests/tours/cloud_cost_tour_steps";

function openLastMonthRun() {
    return [
        ...openCloudCostsMenu("cloud_cost_allocation.cloud_cost_allocation_run_menu", "Open the allocation runs"),
        {
            content: "Open last month's run, computed and waiting",
            trigger: ".o_list_view .o_data_row:first-child:contains(Computed) .o_data_cell[name=name]",
            run: "click",
        },
    ];
}

// Month-end, first controller: compute last month's run again with the latest bills and drivers.
registry.category("web_tour.tours").add("cloud_cost_controller_computes_run", {
    url: "/odoo",
    steps: () => [
        ...openLastMonthRun(),
        {
            content: "Compute the run",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_compute]",
            run: "click",
        },
        {
            content: "Every sender is credited 100 %",
            trigger: ".o_form_view .o_field_widget[name=checks_passed] input:checked",
        },
        {
            content: "The KPIs show the allocated share",
            trigger: ".o_form_view .o_field_widget[name=allocated_percent]",
        },
    ],
});

// Month-end, second controller (four eyes): approve the run and post the chargeback entries.
registry.category("web_tour.tours").add("cloud_cost_controller_approves_and_posts_run", {
    url: "/odoo",
    steps: () => [
        ...openLastMonthRun(),
        {
            content: "Approve the run computed by a colleague",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        {
            content: "Post it",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_post]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The run is posted",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains(Posted)",
        },
        {
            content: "Open its journal entry",
            trigger: ".oe_stat_button[name=action_view_moves]",
            run: "click",
        },
        {
            content: "The chargeback lines are in the journal",
            trigger: ".o_list_view .o_data_cell:contains(Chargeback)",
        },
    ],
});
