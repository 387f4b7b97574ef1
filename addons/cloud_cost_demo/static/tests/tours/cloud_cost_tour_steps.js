/** @odoo-module **/

import { stepUtils } from "@web_tour/tour_service/tour_utils";

/** Steps that open a Cloud Costs menu item (named by its XML id) from the Accounting app. */
export function openCloudCostsMenu(menuXmlid, content) {
    return [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Accounting"),
        {
            content: "Open the Cloud Costs menu",
            trigger: ".o_main_navbar button:contains(Cloud Costs)",
            run: "click",
        },
        {
            content,
            trigger: `.dropdown-item[data-menu-xmlid='${menuXmlid}']`,
            run: "click",
        },
    ];
}
