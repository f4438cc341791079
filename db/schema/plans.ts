import { sql } from "drizzle-orm";
import { bigint, check, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./columns";

export const plans = pgTable(
  "plans",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    monthlyEvents: bigint("monthly_events", { mode: "number" }).notNull(),
    createdAt: createdAt(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("plans_name_key").on(sql`lower(${t.name})`), check("plans_monthly_events_check", sql`${t.monthlyEvents} > 0`)],
);
