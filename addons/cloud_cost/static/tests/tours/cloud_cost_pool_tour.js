/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A controller sets up a cost pool from the Accounting menu, as at the start of a month-end.
registry.category("web_tour.tours").add("cloud_cost_controller_creates_pool", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Accounting"),
        {
            content: "Open the Cloud Costs menu",
            trigger: ".o_main_navbar button:contains(Cloud Costs)",
            run: "click",
        },
        {
            content: "Open the cost pools",
            trigger: ".dropdown-item:contains(Cost Pools)",
            run: "click",
        },
        {
            content: "The pools of the company are listed",
            trigger: ".o_list_view .o_data_cell:contains(Observability stack)",
        },
        {
            content: "Create a pool",
            trigger: ".o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Disaster recovery site",
        },
        {
            trigger: ".o_field_widget[name=code] input",
            run: "edit DR",
        },
        {
            trigger: ".o_field_widget[name=pool_type] select",
            run: 'select "resilience"',
        },
        ...stepUtils.saveForm(),
        {
            content: "The new pool shows its code in the breadcrumb",
            trigger: ".o_breadcrumb .active:contains([DR] Disaster recovery site)",
        },
    ],
});
