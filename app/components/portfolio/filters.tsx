import { Form, Link, useSubmit } from "@remix-run/react";
import { useFollowed } from "~/components/ui/use-followed";
import {
  BAND_FILTERS,
  type BandFilter,
  clearedFilters,
  DEFAULT_DIR,
  type FilterProblem,
  type FilterProblems,
  hasFilters,
  MOVED_THRESHOLD,
  type PortfolioFilters,
  portfolioSearch,
  type TypedFilter,
} from "~/utils/portfolio-params";

export const BAND_LABELS: Record<BandFilter, string> = { healthy: "Healthy", concerning: "Concerning", poor: "Poor", none: "No score" };

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
  const problemList = (["arrMin", "renews"] as const).flatMap((name) => {
    const problem = problems[name];
    return problem ? [{ id: problemId(name), ...problem }] : [];
  });
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
      <NumberFilter name="arrMin" label="Min ARR" inputMode="decimal" size={8} value={arrMin} set={setArrMin} problem={problems.arrMin} />
      <NumberFilter
        name="renews"
        label="Renews within"
        inputMode="numeric"
        size={4}
        value={renews}
        set={setRenews}
        problem={problems.renews}
        unit="days"
      />
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

const problemId = (name: TypedFilter) => `filter-${name}-error`;

/** A number typed into the filters; when the server could not read it, marked and tied to the reason shown below. */
function NumberFilter({
  name,
  label,
  inputMode,
  size,
  value,
  set,
  problem,
  unit,
}: {
  name: TypedFilter;
  label: string;
  inputMode: "decimal" | "numeric";
  size: number;
  value: string;
  set: (v: string) => void;
  problem: FilterProblem | undefined;
  unit?: string;
}) {
  return (
    <label className="filter-num">
      <span>{label}</span>
      <input
        type="text"
        inputMode={inputMode}
        name={name}
        size={size}
        value={value}
        onChange={(e) => set(e.currentTarget.value)}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? problemId(name) : undefined}
      />
      {unit ? <span>{unit}</span> : null}
    </label>
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
