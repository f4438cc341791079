export { createPlan, updatePlan, listPlans } from "../../checks/plans";
