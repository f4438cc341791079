import { loadConfig, type Config } from "../../checks/config";

let config: Config | undefined;

/** The only place the server reads process.env; parsed once, validated with zod. */
export function getConfig(): Config {
  config ??= loadConfig(process.env);
  return config;
}
