/**
 * What a person types or picks before React has taken over the page would be lost: the HTML shows
 * its forms well before the scripts have run (a slow link, a busy phone), and hydrating a
 * controlled field writes React's state over whatever is in it. So changes are recorded from the
 * moment the entry script runs and replayed once React is in charge, through the same events a
 * person's typing fires: React's state follows, and a control that applies at once (the
 * portfolio's band or owner) applies what was picked.
 */
type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
type Value = string | boolean;

// Fields whose value a person does not type or pick, or that a script may not set (files).
const NOT_TYPED = new Set(["file", "hidden", "submit", "button", "reset", "image"]);

const recorded = new Map<Field, Value>();
let listening: Document | null = null;

function asField(target: EventTarget | null): Field | null {
  if (target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return target;
  if (target instanceof HTMLInputElement && !NOT_TYPED.has(target.type)) return target;
  return null;
}

const isToggle = (field: Field): field is HTMLInputElement =>
  field instanceof HTMLInputElement && (field.type === "checkbox" || field.type === "radio");

const currentValue = (field: Field): Value => (isToggle(field) ? field.checked : field.value);

/** The value the page was sent with (a select's first option when none is marked). */
function sentValue(field: Field): Value {
  if (isToggle(field)) return field.defaultChecked;
  if (field instanceof HTMLSelectElement) {
    const options = [...field.options];
    return (options.find((o) => o.defaultSelected) ?? options[0])?.value ?? "";
  }
  return field.defaultValue;
}

function record(event: Event) {
  const field = asField(event.target);
  if (field) recorded.set(field, currentValue(field));
}

/** Called before hydrating: remembers every change made to the page's fields until `replayEarlyInput`. */
export function recordEarlyInput(doc: Document = document) {
  for (const element of doc.querySelectorAll("input, select, textarea")) {
    const field = asField(element);
    if (field && currentValue(field) !== sentValue(field)) recorded.set(field, currentValue(field));
  }
  doc.addEventListener("input", record, true);
  doc.addEventListener("change", record, true);
  listening = doc;
}

/**
 * Called once React has committed the page: hands React what was typed. Hydration may leave a
 * typed value on screen while React's state still holds the page's, and the next render would
 * wipe it; so each change is made again the way a person makes it, and React's onChange runs.
 */
export function replayEarlyInput() {
  if (listening) {
    listening.removeEventListener("input", record, true);
    listening.removeEventListener("change", record, true);
    listening = null;
  }
  for (const [field, value] of recorded) {
    if (!field.isConnected || value === sentValue(field)) continue;
    // React notices a change by comparing the field with its own copy of the last value, which an
    // assignment on the element updates and the prototype's setter does not: the copy is set to
    // something else first, so the change below reads as new.
    if (isToggle(field)) {
      if (value === false && field.type === "radio") continue; // another radio's replay picks it
      field.checked = !value;
      field.click();
      continue;
    }
    const prototype = Object.getPrototypeOf(field) as object;
    const setValue = Object.getOwnPropertyDescriptor(prototype, "value")?.set;
    if (!setValue) continue;
    if (field instanceof HTMLSelectElement) {
      setValue.call(field, value);
      field.dispatchEvent(new Event("change", { bubbles: true }));
    } else {
      field.value = `${value}\u0000`;
      setValue.call(field, value);
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }
  recorded.clear();
}
