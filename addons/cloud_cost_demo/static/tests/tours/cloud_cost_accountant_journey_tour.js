/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { openCloudCostsMenu } from "@cloud_cost_demo/../tests/tours/cloud_cost_tour_steps";

// An accountant reviews last month's bill import, finds a line nobody bears (an untagged
// sandbox VM), writes a mapping rule for it and applies the rules again: the line is allocated.
registry.category("web_tour.tours").add("cloud_cost_accountant_fixes_mapping", {
    url: "/odoo",
    steps: () => [
        ...openCloudCostsMenu("cloud_cost.cloud_cost_import_batch_menu", "Open the import batches"),
        {
            content: "Open the latest batch (last month's bill)",
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "The batch shows what no rule allocated",
            trigger: ".o_form_view .o_field_widget[name=unallocated_cost]",
        },
        {
            content: "Review the batch's cost lines",
            trigger: ".oe_stat_button:contains(Cost Lines)",
            run: "click",
        },
        {
            content: "Look for the sandbox VM",
            trigger: ".o_searchview_input",
            run: "edit sandbox-vm",
        },
        {
            content: "Search it by resource",
            trigger: ".o_searchview_autocomplete li:contains(Resource)",
            run: "click",
        },
        {
            content: "Its lines have no business unit: shown as unallocated",
            trigger: ".o_list_view .o_data_row.text-warning .o_data_cell[name=service_name]:contains(Elastic Compute Cloud)",
        },
        {
            content: "Open the Cloud Costs menu again",
            trigger: ".o_main_navbar button:contains(Cloud Costs)",
            run: "click",
        },
        {
            content: "Open the configuration's mapping rules",
            trigger: ".dropdown-item[data-menu-xmlid='cloud_cost.cloud_cost_mapping_rule_menu']",
            run: "click",
        },
        {
            content: "The demo's rules are listed",
            trigger: ".o_list_view .o_data_cell:contains(Retail team)",
        },
        {
            content: "Write a new rule",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Retail sandbox",
        },
        {
            trigger: ".o_field_widget[name=match_resource] input",
            run: "edit *sandbox-vm",
        },
        {
            trigger: ".o_field_widget[name=analytic_account_id] input",
            run: "edit Retail",
        },
        {
            trigger: ".o_field_widget[name=analytic_account_id] .o-autocomplete--dropdown-item:contains(Retail)",
            run: "click",
        },
        ...stepUtils.saveForm(),
        {
            content: "Open the Cloud Costs menu once more",
            trigger: ".o_main_navbar button:contains(Cloud Costs)",
            run: "click",
        },
        {
            content: "Apply the rules again to the open months",
            trigger: ".dropdown-item[data-menu-xmlid='cloud_cost.cloud_cost_mapping_apply_wizard_menu']",
            run: "click",
        },
        {
            content: "The wizard proposes the last month and the current one",
            trigger: ".modal .o_field_widget[name=date_from] input",
        },
        {
            trigger: ".modal button:contains(Apply Rules)",
            run: "click",
        },
        {
            content: "What stays unallocated is listed; the sandbox VM is no longer among it",
            trigger: ".o_searchview_facet:contains(Unallocated)",
        },
    ],
});
