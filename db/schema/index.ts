export * from "./users";
export * from "./plans";
export * from "./customers";
export * from "./checks";
export * from "./health";
export * from "./checklist";
