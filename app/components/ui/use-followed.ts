import { useEffect, useState } from "react";

/** A control's value that follows the URL (back, a link, "Clear") yet stays the same element, so focus stays on it. */
export function useFollowed<T>(value: T): [T, (v: T) => void] {
  const [state, setState] = useState(value);
  useEffect(() => setState(value), [value]);
  return [state, setState];
}
