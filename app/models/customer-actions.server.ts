export { clearOverride, recordAnswer, recordOverride } from "../../checks/answers";
export { customerPageData, type CustomerPageData, type CheckRowView } from "./customer-page.server";
export { catchupPackData, type CatchupPackData, cancelCatchup, recordCatchup, scheduleCatchup } from "./catchup-pack.server";
