/** @odoo-module **/

import { registry } from "@web/core/registry";
import { openCloudCostsMenu } from "@cloud_cost_demo/../tests/tours/cloud_cost_tour_steps";

// An auditor starts from a posted chargeback journal item and follows it to the bill rows.
registry.category("web_tour.tours").add("cloud_cost_auditor_traces_journal_item", {
    url: "/odoo",
    steps: () => [
        ...openCloudCostsMenu("cloud_cost_allocation.cloud_cost_allocation_run_menu", "Open the allocation runs"),
        {
            content: "Open the posted run",
            trigger: ".o_list_view .o_data_row:contains(Posted) .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Open its journal entries",
            trigger: ".oe_stat_button[name=action_view_moves]",
            run: "click",
        },
        {
            content: "Open the chargeback entry",
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "From the first journal item, open the allocation lines behind it",
            trigger: ".o_field_widget[name=line_ids] .o_data_row:first-child button[name=action_view_cloud_cost_allocation_lines]",
            run: "click",
        },
        {
            content: "Open an allocation line",
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell[name=amount]",
            run: "click",
        },
        {
            content: "It names its step, sender pool and method",
            trigger: ".o_form_view .o_field_widget[name=step_id]:contains(Tenant runtime), .o_form_view .o_field_widget[name=step_id]:contains(Security), .o_form_view .o_field_widget[name=step_id]:contains(Resilience), .o_form_view .o_field_widget[name=line_type]:contains(Direct)",
        },
        {
            content: "Open the cost lines behind it",
            trigger: ".oe_stat_button[name=action_view_cost_lines]",
            run: "click",
        },
        {
            content: "Each cost line names its bill file and row",
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell[name=source_file]:contains(focus-)",
        },
        {
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell[name=source_row]",
        },
    ],
});
