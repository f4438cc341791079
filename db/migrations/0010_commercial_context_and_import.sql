CREATE TABLE "customer_contacts" (
	"id" serial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"position" integer NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"role" text
);
--> statement-breakpoint
CREATE TABLE "customer_imports" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"file_name" text NOT NULL,
	"preview" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "revenue" numeric(14, 2);--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "revenue_period" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "currency" text;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "arr" numeric(16, 2) GENERATED ALWAYS AS (case when revenue_period = 'month' then revenue * 12 else revenue end) STORED;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "renewal_date" date;--> statement-breakpoint
ALTER TABLE "customer_contacts" ADD CONSTRAINT "customer_contacts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_imports" ADD CONSTRAINT "customer_imports_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_contacts_customer_idx" ON "customer_contacts" USING btree ("customer_id","position");--> statement-breakpoint
CREATE INDEX "customer_imports_expires_idx" ON "customer_imports" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "customers_host_project_idx" ON "customers" USING btree ("posthog_host","project_id");--> statement-breakpoint
CREATE INDEX "customers_arr_idx" ON "customers" USING btree ("arr");--> statement-breakpoint
CREATE INDEX "customers_renewal_idx" ON "customers" USING btree ("renewal_date");--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_revenue_check" CHECK (("customers"."revenue" is null) = ("customers"."revenue_period" is null) and ("customers"."revenue" is null) = ("customers"."currency" is null));--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_revenue_period_check" CHECK ("customers"."revenue_period" in ('month', 'year'));--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_currency_check" CHECK ("customers"."currency" ~ '^[A-Z]{3}$');