import { getContext } from "./db.server";
import { getConfig } from "./env.server";
import { isSetUp, setupCodeFor } from "./first-run.server";
import { startScheduler } from "./scheduler.server";

/**
 * What `npm start` does before it listens: validate the configuration (a bad DELIGHT_SECRET_KEY
 * stops here), secure the data folder, open and migrate the database, print the first-run setup
 * code when no user exists yet, and start the refresh schedule. Throws with a one-line message.
 */
export async function boot(log: (line: string) => void = console.log) {
  const config = getConfig();
  const { db } = await getContext();
  // With several web processes only the one that runs scheduled work prints the (shared) code.
  if (!(await isSetUp(db))) setupCodeFor(config.DELIGHT_SCHEDULER === "on" ? log : () => {}, config.DELIGHT_SETUP_CODE);
  startScheduler();
}
