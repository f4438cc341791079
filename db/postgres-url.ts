/*
 * A PostgreSQL server on the same machine is often reached through its Unix socket, written the
 * way libpq (psql, pg-boss's driver) reads it:
 *   postgres://delight@/delight?host=/var/run/postgresql
 *   postgres://%2Fvar%2Frun%2Fpostgresql/delight
 * postgres.js reads neither: the first is not a URL it can parse ("Invalid URL"), and a `host`
 * setting is sent to the server, which refuses it ("unrecognized configuration parameter").
 * It reaches a socket only through its `path` option, so the URL is translated here.
 */

export type PostgresTarget = {
  /** The URL postgres.js is given: the socket's directory removed, any other setting kept. */
  url: string;
  /** The socket file to connect to, when the URL names a directory. */
  path?: string;
};

const URL_PARTS = /^(postgres(?:ql)?:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i;

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Where postgres.js should connect for a URL written for libpq: a socket directory (in the host's
 * place or as the `host` setting) becomes `path`, and `host`/`port` settings move into the URL.
 * A plain URL comes back unchanged.
 */
export function postgresTarget(url: string): PostgresTarget {
  const parts = URL_PARTS.exec(url);
  if (!parts) return { url };
  const [, scheme, authority = "", pathname = "", search = ""] = parts;
  const at = authority.lastIndexOf("@");
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : "";
  // A bracketed IPv6 address has colons of its own; the port is what follows the bracket.
  const [, rawHost = "", rawPort = ""] = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(at + 1)) ?? [];
  const query = new URLSearchParams(search.slice(1));
  const host = query.get("host") || decoded(rawHost);
  const port = query.get("port") || rawPort;
  if (!query.has("host") && !query.has("port") && !host.startsWith("/")) return { url };
  query.delete("host");
  query.delete("port");
  const settings = query.toString();
  const rest = settings ? `?${settings}` : "";
  if (host.startsWith("/")) {
    // postgres.js still wants a host to parse; with `path` set it never connects to it.
    return { url: `${scheme}${userinfo}localhost${pathname}${rest}`, path: `${host.replace(/\/+$/, "")}/.s.PGSQL.${port || "5432"}` };
  }
  const named = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return { url: `${scheme}${userinfo}${named}${port ? `:${port}` : ""}${pathname}${rest}` };
}
