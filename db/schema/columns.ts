import { timestamp } from "drizzle-orm/pg-core";

/** Every timestamp is stored with its time zone so PGlite and a server agree. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const createdAt = () => tstz("created_at").notNull().defaultNow();
