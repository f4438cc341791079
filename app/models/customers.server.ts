export { createCustomer, updateCustomer, setArchived, getCustomer, listCustomers, countActiveCustomers, type PublicCustomer } from "../../checks/customers";
export { maskApiKey } from "../../checks/secrets";
export { regionOf, POSTHOG_REGIONS } from "../../checks/posthog-host";
