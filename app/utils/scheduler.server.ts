// Filled in by the checks engine: periodic refresh of every customer.
export function startScheduler() {}
