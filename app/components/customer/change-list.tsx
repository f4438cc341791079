type Change = { checkId: string; question: string; text: string; why?: string | null };

/** Checks whose status changed, in plain words: on the customer page and in the catch-up pack. */
export function ChangeList({ changes, empty, testId }: { changes: Change[]; empty: string; testId: string }) {
  if (changes.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="changes" data-testid={testId}>
      {changes.map((c) => (
        <li key={c.checkId}>
          <strong>{c.question}</strong> {c.text}
          {c.why ? <div className="muted small">{c.why}</div> : null}
        </li>
      ))}
    </ul>
  );
}
