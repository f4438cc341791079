import { runCli } from "./run";

// The CLI process owns its environment: this is the one place it reads process.env.
const io = {
  stdout: (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  stderr: (text: string) => process.stderr.write(`${text.split("\n")[0]}\n`),
  isTty: Boolean(process.stdout.isTTY),
};

process.exitCode = await runCli(process.argv.slice(2), process.env, io);
