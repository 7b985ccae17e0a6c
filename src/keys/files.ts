import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Reads a JSON file of ours from the data folder, or undefined when it does not exist yet. */
export function readJsonFile<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/**
 * Makes the data folder private to the broker's user (0700): it holds keys, secrets and the database.
 * mkdir's mode applies only to a folder it creates, and through the umask, so an existing or loosely
 * created folder is chmod-ed as well.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes through a temporary file and a rename, readable by the owner only: a crash never leaves half a key. */
export function writeSecretFile(file: string, value: unknown): void {
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
