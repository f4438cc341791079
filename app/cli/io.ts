import { parseArgs } from "node:util";

export type CliIo = {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
};

/** A user-facing CLI failure: printed as one line, exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export type Options = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

export function parse<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, json: { type: "boolean" } }, allowPositionals: true, strict: true });
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    throw new CliError(unknown ? `Unknown option ${unknown[1]}` : (error as Error).message.split("\n")[0]!, 2);
  }
}

export function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value.trim() === "") throw new CliError(`--${name} is required`, 2);
  return value;
}

export function output(io: CliIo, json: boolean | undefined, value: unknown, text: string) {
  io.stdout(json ? JSON.stringify(value, null, 2) : text);
}
