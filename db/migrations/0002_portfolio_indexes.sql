CREATE INDEX "customers_plan_idx" ON "customers" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "current_health_score_idx" ON "current_health" USING btree ("score_id");--> statement-breakpoint
CREATE INDEX "current_health_run_idx" ON "current_health" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "current_health_results_run_idx" ON "current_health" USING btree ("results_run_id");--> statement-breakpoint
CREATE INDEX "health_scores_run_idx" ON "health_scores" USING btree ("run_id");