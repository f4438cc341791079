import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

const TITLES: Record<number, string> = {
  400: "That request could not be handled",
  401: "Please sign in",
  403: "You cannot do that",
  404: "Page not found",
};

/** The one error boundary: mounted at the root and at the signed-in layout. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error)) {
    const detail = typeof error.data === "string" ? error.data : error.statusText;
    return (
      <div className="error-panel" role="alert">
        <h1>{TITLES[error.status] ?? `Error ${error.status}`}</h1>
        {detail && detail !== TITLES[error.status] ? <p>{detail}</p> : null}
        <p>
          <Link to="/">Back to customers</Link>
        </p>
      </div>
    );
  }
  // Unexpected errors: the details are in the server log, not on the page.
  console.error(error);
  return (
    <div className="error-panel" role="alert">
      <h1>Something went wrong</h1>
      <p>
        delight hit an unexpected error. Nothing you entered was saved twice; try again, and check the server log if it keeps happening.
      </p>
      <p>
        <Link to="/">Back to customers</Link>
      </p>
    </div>
  );
}
