export { countUsers, createUser, findUserByEmail, generatePassword, listUsers, verifyPassword, UserInputSchema, EmailSchema, PasswordSchema, DuplicateError } from "../../checks/accounts";
