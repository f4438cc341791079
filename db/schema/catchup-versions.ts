import { date, index, integer, pgTable, serial, text } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { customers } from "./customers";
import { catchups } from "./health";

/**
 * Every state a catch-up has had, appended on each write (scheduled, recorded, recorded again,
 * cancelled), with who and when. The catchups row holds the newest state; nothing a person wrote
 * is ever lost to a later save.
 */
export const catchupVersions = pgTable(
  "catchup_versions",
  {
    id: serial("id").primaryKey(),
    catchupId: integer("catchup_id")
      .notNull()
      .references(() => catchups.id, { onDelete: "cascade" }),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    status: text("status", { enum: ["scheduled", "held", "cancelled"] }).notNull(),
    attendees: text("attendees").notNull(),
    notes: text("notes").notNull(),
    recordedBy: text("recorded_by").notNull(),
    recordedAt: tstz("recorded_at").notNull().defaultNow(),
  },
  (t) => [index("catchup_versions_catchup_idx").on(t.catchupId, t.recordedAt)],
);
