import { Link } from "@remix-run/react";
import { OVERDUE_TEXT } from "~/models/catchup-overdue";

type Overdue = { id: number; date: string; attendees: string };

/**
 * Scheduled catch-ups whose day passed without being recorded as held. They no longer count for
 * the quarterly catch-up check, so the page says so and links to where they are settled.
 */
export function OverdueCatchups({ overdue, packPath, canEdit }: { overdue: Overdue[]; packPath: string; canEdit: boolean }) {
  if (overdue.length === 0) return null;
  return (
    <div className="notice overdue-catchups" role="status" data-testid="overdue-catchups">
      <ul className="plain">
        {overdue.map((c) => (
          <li key={c.id} data-catchup={c.id}>
            Catch-up scheduled for <strong>{c.date}</strong>
            {c.attendees ? ` (${c.attendees})` : ""}: <span className="badge status-fail">{OVERDUE_TEXT}</span>{" "}
            {canEdit ? <Link to={`${packPath}?record=${c.id}`}>Record or reschedule it</Link> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
