import { describe, expect, it } from "vitest";
import { postgresTarget } from "./postgres-url";

describe("postgresTarget", () => {
  it("leaves a URL with a network host as it is", () => {
    for (const url of [
      "postgres://postgres@127.0.0.1:5432/delight",
      "postgresql://u:p%40ss@db.internal/delight?sslmode=require",
      "postgres://u@[::1]:5433/delight",
      "postgres://u@a:5432,b:5432/delight",
    ]) {
      expect(postgresTarget(url)).toEqual({ url });
    }
  });

  it("reads libpq's socket directory from the host setting, with no host before the path", () => {
    expect(postgresTarget("postgres://delight@/delight?host=/var/run/postgresql")).toEqual({
      url: "postgres://delight@localhost/delight",
      path: "/var/run/postgresql/.s.PGSQL.5432",
    });
    expect(postgresTarget("postgresql:///delight?host=%2Ftmp%2F&port=5433&sslmode=disable")).toEqual({
      url: "postgresql://localhost/delight?sslmode=disable",
      path: "/tmp/.s.PGSQL.5433",
    });
  });

  it("keeps the user and password, and takes the port from the URL when the setting has none", () => {
    expect(postgresTarget("postgres://app:s%3Acret@localhost:6543/delight?host=/run/pg&application_name=delight")).toEqual({
      url: "postgres://app:s%3Acret@localhost/delight?application_name=delight",
      path: "/run/pg/.s.PGSQL.6543",
    });
  });

  it("reads a percent-encoded directory in the host's place", () => {
    expect(postgresTarget("postgres://%2Fvar%2Frun%2Fpostgresql/delight")).toEqual({
      url: "postgres://localhost/delight",
      path: "/var/run/postgresql/.s.PGSQL.5432",
    });
    expect(postgresTarget("postgres://root@%2Fvar%2Frun%2Fpostgresql:5434/delight")).toEqual({
      url: "postgres://root@localhost/delight",
      path: "/var/run/postgresql/.s.PGSQL.5434",
    });
  });

  it("moves a host or port setting that names a server into the URL, where postgres.js reads them", () => {
    expect(postgresTarget("postgres://u@localhost/delight?host=db.internal&port=6432")).toEqual({
      url: "postgres://u@db.internal:6432/delight",
    });
    expect(postgresTarget("postgres://u@localhost:5433/delight?host=::1")).toEqual({ url: "postgres://u@[::1]:5433/delight" });
    expect(postgresTarget("postgres://u@db/delight?port=6000&sslmode=require")).toEqual({
      url: "postgres://u@db:6000/delight?sslmode=require",
    });
  });

  it("keeps every host of a list when a port setting names their port", () => {
    expect(postgresTarget("postgres://u@a:5432,b:5433/delight?port=6000")).toEqual({ url: "postgres://u@a:6000,b:6000/delight" });
    expect(postgresTarget("postgres://u@a,b/delight?port=6000,6001&sslmode=require")).toEqual({
      url: "postgres://u@a:6000,b:6001/delight?sslmode=require",
    });
    expect(postgresTarget("postgres://u@/delight?host=a,::1&port=5433")).toEqual({ url: "postgres://u@a:5433,[::1]:5433/delight" });
    expect(postgresTarget("postgres://u@localhost:5433/delight?host=a,b")).toEqual({ url: "postgres://u@a:5433,b:5433/delight" });
  });

  it("refuses what libpq refuses or postgres.js cannot reach, saying why", () => {
    expect(() => postgresTarget("postgres://u@a,b,c/delight?port=1,2")).toThrow("2 ports for 3 hosts");
    expect(() => postgresTarget("postgres://u@/delight?host=/run/pg,db")).toThrow("a Unix socket among several hosts");
  });
});
