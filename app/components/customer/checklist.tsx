import type { CustomerPageData } from "~/models/customer-page.server";
import { CheckRow } from "./check-row";

/** The checks in force (handbook, extras switched on, the team's own) in their sections, each with its progress and section score. */
export function Checklist({ sections, canEdit }: { sections: CustomerPageData["checklist"]; canEdit: boolean }) {
  return (
    <section className="panel" aria-labelledby="checklist-heading">
      <h2 id="checklist-heading">Checklist</h2>
      {sections.map((s) => (
        <div key={s.section} className="checklist-section" data-section={s.section}>
          <h3>
            {s.label}{" "}
            <span className="muted small" data-testid={`progress-${s.section}`}>
              {s.passing} of {s.total} passing · section score {s.score ?? "–"} · coverage {s.coverage}%
            </span>
          </h3>
          <ul className="checks">
            {s.checks.map((c) => (
              <CheckRow key={c.checkId} check={c} canEdit={canEdit} />
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
