import type { Assessment } from "../../checks/assessment/assess";
import { currentAssessment } from "../../checks/assessment/store";
import type { Db } from "../../db/client";

/** The customer's assessment as every reader gets it at `now` (re-assessed first if it expired). */
export async function assessmentOf(db: Db, customerId: number, now = new Date()): Promise<Assessment> {
  const current = await currentAssessment(db, customerId, now);
  if (!current) throw new Error(`no customer ${customerId}`);
  return current.assessment;
}
