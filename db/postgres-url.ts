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
// One server of the authority's comma-separated list: a bracketed IPv6 address has colons of its
// own, so the port is what follows the bracket.
const SERVER = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/;

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** libpq's port list: one port for every host, or one per host (an empty entry: the default). */
function portsFor(hosts: number, setting: string): string[] {
  const ports = setting.split(",");
  if (ports.length === 1) return Array<string>(hosts).fill(ports[0] ?? "");
  if (ports.length !== hosts) {
    throw new Error(`DATABASE_URL gives ${ports.length} ports for ${hosts} hosts; give one port, or one for each host`);
  }
  return ports;
}

/**
 * Where postgres.js should connect for a URL written for libpq: a socket directory (in the host's
 * place or as the `host` setting) becomes `path`, and `host`/`port` settings move into the URL,
 * for one server or a comma-separated list of them. A plain URL comes back unchanged.
 */
export function postgresTarget(url: string): PostgresTarget {
  const parts = URL_PARTS.exec(url);
  if (!parts) return { url };
  const [, scheme, authority = "", pathname = "", search = ""] = parts;
  const at = authority.lastIndexOf("@");
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : "";
  const servers = authority
    .slice(at + 1)
    .split(",")
    .map((server) => {
      const [, host = "", port = ""] = SERVER.exec(server) ?? [server];
      return { host: decoded(host), port };
    });
  const query = new URLSearchParams(search.slice(1));
  const hostSetting = query.get("host");
  const portSetting = query.get("port");
  const hosts = hostSetting ? hostSetting.split(",") : servers.map((s) => s.host);
  // Without a port setting the URL's ports are libpq's port list, also for hosts set apart.
  const portList = portSetting ?? servers.map((s) => s.port).join(",");
  const ports = portsFor(hosts.length, portList);
  const socket = hosts.some((h) => h.startsWith("/"));
  if (!query.has("host") && !query.has("port") && !socket) return { url };
  query.delete("host");
  query.delete("port");
  const settings = query.toString();
  const rest = settings ? `?${settings}` : "";
  if (socket) {
    if (hosts.length > 1) {
      throw new Error("DATABASE_URL names a Unix socket among several hosts; delight reaches a socket only as the one host");
    }
    // postgres.js still wants a host to parse; with `path` set it never connects to it.
    const directory = (hosts[0] ?? "").replace(/\/+$/, "");
    return { url: `${scheme}${userinfo}localhost${pathname}${rest}`, path: `${directory}/.s.PGSQL.${ports[0] || "5432"}` };
  }
  const named = hosts.map((host, i) => {
    const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
    return ports[i] ? `${name}:${ports[i]}` : name;
  });
  return { url: `${scheme}${userinfo}${named.join(",")}${pathname}${rest}` };
}
