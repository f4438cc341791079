import { type Contact, daysUntil, formatMoney } from "~/models/commercial";

type Commercial = {
  revenue: number | null;
  revenuePeriod: "month" | "year" | null;
  currency: string | null;
  arr: number | null;
  renewalDate: string | null;
  contacts: Contact[];
};

function renewalText(date: string, today: string): string {
  const days = daysUntil(date, today);
  if (days === 0) return `${date} (today)`;
  if (days < 0) return `${date} (${-days} ${days === -1 ? "day" : "days"} ago)`;
  return `${date} (in ${days} ${days === 1 ? "day" : "days"})`;
}

/** ARR (with the MRR it came from), renewal and key contacts: rows of the header's fact list. */
export function CommercialFacts({ customer, today }: { customer: Commercial; today: string }) {
  const { arr, currency, revenue, revenuePeriod, renewalDate, contacts } = customer;
  return (
    <>
      <dt>ARR</dt>
      <dd data-testid="customer-arr">
        {arr !== null && currency ? (
          <>
            {formatMoney(arr, currency)}
            {revenuePeriod === "month" && revenue !== null ? (
              <span className="muted"> ({formatMoney(revenue, currency)} a month)</span>
            ) : null}
          </>
        ) : (
          <span className="muted">Not recorded</span>
        )}
      </dd>
      <dt>Renewal</dt>
      <dd data-testid="customer-renewal">{renewalDate ? renewalText(renewalDate, today) : <span className="muted">Not recorded</span>}</dd>
      <dt>Contacts</dt>
      <dd data-testid="customer-contacts">
        {contacts.length === 0 ? (
          <span className="muted">None recorded</span>
        ) : (
          <ul className="contact-list">
            {contacts.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: contacts have no id of their own here
              <li key={i}>
                {c.name}
                {c.role ? <span className="muted"> · {c.role}</span> : null}
                {c.email ? (
                  <>
                    {" · "}
                    <a href={`mailto:${c.email}`}>{c.email}</a>
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </>
  );
}
