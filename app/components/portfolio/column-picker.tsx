import { useEffect, useState } from "react";
import { type ColumnChoices, type ColumnKey, columnClass, OPTIONAL_COLUMNS } from "./columns";

/**
 * "Columns": shows or hides the optional columns. A box is ticked when its column is visible now,
 * which at narrow widths is decided by CSS, so visibility is read from the table after each render.
 */
export function ColumnPicker({ choices, onChange }: { choices: ColumnChoices; onChange: (choices: ColumnChoices) => void }) {
  const [visible, setVisible] = useState<Partial<Record<ColumnKey, boolean>>>({});
  // biome-ignore lint/correctness/useExhaustiveDependencies: the choices change what CSS shows, read back from the table
  useEffect(() => {
    const read = () => {
      const table = document.querySelector<HTMLElement>("[data-testid=portfolio-table]");
      if (!table) return;
      setVisible(
        Object.fromEntries(
          OPTIONAL_COLUMNS.map(({ key }) => {
            const th = table.querySelector<HTMLElement>(`thead .${columnClass(key)}`);
            return [key, th ? getComputedStyle(th).display !== "none" : false];
          }),
        ),
      );
    };
    read();
    window.addEventListener("resize", read);
    return () => window.removeEventListener("resize", read);
  }, [choices]);
  return (
    <details className="column-picker">
      <summary>Columns</summary>
      <fieldset>
        <legend className="sr-only">Columns to show</legend>
        {OPTIONAL_COLUMNS.map(({ key, label }) => (
          <label key={key}>
            <input
              type="checkbox"
              checked={visible[key] ?? false}
              onChange={(e) => {
                const shown = e.currentTarget.checked;
                setVisible((v) => ({ ...v, [key]: shown }));
                onChange({ ...choices, [key]: shown });
              }}
              data-testid={`column-${key}`}
            />
            {label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
