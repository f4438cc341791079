export * from "./alerts";
export * from "./catchup-versions";
export * from "./checklist";
export * from "./checks";
export * from "./customers";
export * from "./health";
export * from "./plans";
export * from "./users";
