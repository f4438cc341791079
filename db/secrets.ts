import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Customer PostHog keys are sealed with AES-256-GCM. Stored form: "v1.<iv>.<tag>.<ciphertext>"
 * (base64url). The version prefix lets the scheme change without guessing.
 */
export function sealSecret(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString("base64url"));
  return ["v1", ...parts].join(".");
}

export class SecretError extends Error {}

export function openSecret(sealed: string, key: Buffer): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || ciphertext === undefined) throw new SecretError("Stored API key is not in a known format");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    // Wrong DELIGHT_SECRET_KEY or tampered data; never echo the ciphertext.
    throw new SecretError("Stored API key could not be decrypted (was DELIGHT_SECRET_KEY changed?)");
  }
}

/** How a key is shown anywhere: prefix and last four, nothing else. */
export function maskApiKey(last4: string): string {
  return `phx_…${last4}`;
}

export function last4(key: string): string {
  return key.slice(-4);
}

/** DELIGHT_SECRET_KEY is 32 bytes written as 64 hex characters or base64. */
export function parseSecretKey(value: string): Buffer {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  const decoded = Buffer.from(trimmed, "base64");
  if (decoded.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return decoded;
  throw new SecretError("DELIGHT_SECRET_KEY must be 32 bytes, written as 64 hex characters or base64");
}

/**
 * Reads a secret file from the data dir, creating it (mode 0600) on first run. Refuses a file that
 * other users can read: a leaked key would expose every customer's PostHog key.
 */
export function loadOrCreateSecretFile(dataDir: string, name: string, bytes = 32): Buffer {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, name);
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(bytes).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new SecretError(`${file} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
  }
  return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
}
