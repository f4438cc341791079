export { InputError, parseInput, fieldErrors } from "../../checks/validation";
