import { RemixBrowser } from "@remix-run/react";
import { StrictMode, startTransition } from "react";
import { hydrateRoot } from "react-dom/client";
import { recordEarlyInput } from "~/utils/early-input.client";

// Hydrating writes React's state over the fields: keep what is typed until then (root.tsx replays it).
recordEarlyInput();

startTransition(() => {
  hydrateRoot(
    document,
    <StrictMode>
      <RemixBrowser />
    </StrictMode>,
  );
});
