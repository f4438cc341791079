import { Form, Link, useSubmit } from "@remix-run/react";
import { useEffect, useState } from "react";
import {
  BAND_FILTERS,
  type BandFilter,
  clearedFilters,
  DEFAULT_DIR,
  type FilterProblems,
  hasFilters,
  MOVED_THRESHOLD,
  type PortfolioFilters,
  portfolioSearch,
} from "~/utils/portfolio-params";

export const BAND_LABELS: Record<BandFilter, string> = { healthy: "Healthy", concerning: "Concerning", poor: "Poor", none: "No score" };

/** A control's value that follows the URL (back, a band tile, "Clear filters") yet stays the same element, so focus stays on it. */
function useFollowed<T>(value: T): [T, (v: T) => void] {
  const [state, setState] = useState(value);
  useEffect(() => setState(value), [value]);
  return [state, setState];
}

/**
 * Selects and boxes apply at once; the search applies on Enter or "Apply". Each control keeps its
 * element across the navigation (no remounting key), so keyboard focus stays where it was.
 */
export function Filters({
  filters,
  owners,
  problems = {},
}: {
  filters: PortfolioFilters;
  owners: { id: number; name: string }[];
  /** Typed numbers the server could not read: their text stays in the field, with the reason below. */
  problems?: FilterProblems;
}) {
  const submit = useSubmit();
  const [q, setQ] = useFollowed(filters.q);
  const [owner, setOwner] = useFollowed(filters.owner === null ? "" : String(filters.owner));
  const [band, setBand] = useFollowed<string>(filters.band ?? "");
  const [flagged, setFlagged] = useFollowed(filters.flagged);
  const [stale, setStale] = useFollowed(filters.stale);
  const [moved, setMoved] = useFollowed(filters.moved);
  const [arrMin, setArrMin] = useFollowed(problems.arrMin?.text ?? (filters.arrMin === null ? "" : String(filters.arrMin)));
  const [renews, setRenews] = useFollowed(problems.renews?.text ?? (filters.renewsWithin === null ? "" : String(filters.renewsWithin)));
  const problemList = [
    problems.arrMin && { id: "filter-arrMin-error", ...problems.arrMin },
    problems.renews && { id: "filter-renews-error", ...problems.renews },
  ].filter((p) => p !== undefined);
  // Empty fields are dropped so the URL only carries the filters in use.
  const apply = (form: HTMLFormElement) => {
    const data = new FormData(form);
    for (const [key, value] of [...data.entries()]) if (value === "") data.delete(key);
    submit(data, { method: "get", action: "/", preventScrollReset: true });
  };
  const applyAfter = (form: HTMLFormElement | null) => {
    // After React has written the new value into the form.
    if (form) queueMicrotask(() => apply(form));
  };
  return (
    <Form
      method="get"
      action="/"
      className="filters"
      role="search"
      aria-label="Filter customers"
      preventScrollReset
      onSubmit={(e) => {
        e.preventDefault();
        apply(e.currentTarget);
      }}
    >
      <label className="filter-q">
        <span className="sr-only">Search customers</span>
        <input type="search" name="q" value={q} onChange={(e) => setQ(e.currentTarget.value)} placeholder="Search by name or slug" />
      </label>
      <label>
        <span className="sr-only">Owner</span>
        <select
          name="owner"
          value={owner}
          onChange={(e) => {
            setOwner(e.currentTarget.value);
            applyAfter(e.currentTarget.form);
          }}
          data-testid="filter-owner"
        >
          <option value="">All owners</option>
          <option value="me">My customers</option>
          <option value="none">No owner</option>
          {owners.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="sr-only">Band</span>
        <select
          name="band"
          value={band}
          onChange={(e) => {
            setBand(e.currentTarget.value);
            applyAfter(e.currentTarget.form);
          }}
          data-testid="filter-band"
        >
          <option value="">All bands</option>
          {BAND_FILTERS.map((b) => (
            <option key={b} value={b}>
              {BAND_LABELS[b]}
            </option>
          ))}
        </select>
      </label>
      <Check name="flagged" checked={flagged} set={setFlagged} apply={applyAfter} label="≥ 80% of plan" />
      <Check name="stale" checked={stale} set={setStale} apply={applyAfter} label="Stale data" />
      <Check
        name="moved"
        checked={moved}
        set={setMoved}
        apply={applyAfter}
        label="Moved this week"
        hint={`Score up or down by ${MOVED_THRESHOLD} points or more over the last 7 days`}
      />
      {/* Typed numbers apply on Enter or "Apply", like the search. */}
      <label className="filter-num">
        <span>Min ARR</span>
        <input
          type="text"
          inputMode="decimal"
          name="arrMin"
          size={8}
          value={arrMin}
          onChange={(e) => setArrMin(e.currentTarget.value)}
          aria-invalid={problems.arrMin ? true : undefined}
          aria-describedby={problems.arrMin ? "filter-arrMin-error" : undefined}
        />
      </label>
      <label className="filter-num">
        <span>Renews within</span>
        <input
          type="text"
          inputMode="numeric"
          name="renews"
          size={4}
          value={renews}
          onChange={(e) => setRenews(e.currentTarget.value)}
          aria-invalid={problems.renews ? true : undefined}
          aria-describedby={problems.renews ? "filter-renews-error" : undefined}
        />
        <span>days</span>
      </label>
      {filters.sort !== "name" ? <input type="hidden" name="sort" value={filters.sort} /> : null}
      {filters.dir !== DEFAULT_DIR[filters.sort] ? <input type="hidden" name="dir" value={filters.dir} /> : null}
      <button type="submit">Apply</button>
      {problemList.length > 0 ? (
        <div className="filter-problems" role="alert" data-testid="filter-problems">
          {problemList.map((p) => (
            <p key={p.id} id={p.id} className="error">
              {p.message} (“{p.text}”)
            </p>
          ))}
        </div>
      ) : null}
      {hasFilters(filters) || problemList.length > 0 ? (
        <Link className="clear" to={`/${portfolioSearch(clearedFilters(filters))}`}>
          Clear filters
        </Link>
      ) : null}
    </Form>
  );
}

function Check({
  name,
  checked,
  set,
  apply,
  label,
  hint,
}: {
  name: string;
  checked: boolean;
  set: (v: boolean) => void;
  apply: (form: HTMLFormElement | null) => void;
  label: string;
  hint?: string;
}) {
  const hintId = hint ? `filter-${name}-hint` : undefined;
  return (
    <label className="filter-check" title={hint}>
      <input
        type="checkbox"
        name={name}
        value="1"
        checked={checked}
        aria-describedby={hintId}
        onChange={(e) => {
          set(e.currentTarget.checked);
          apply(e.currentTarget.form);
        }}
        data-testid={`filter-${name}`}
      />
      {label}
      {hint ? (
        <span id={hintId} className="filter-hint">
          (±{MOVED_THRESHOLD})<span className="sr-only">: {hint}</span>
        </span>
      ) : null}
    </label>
  );
}
