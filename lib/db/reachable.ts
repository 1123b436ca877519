// Whether the user PostgreSQL runs as (root starts it as "postgres") can get
// to a path: it needs the search bit on every folder on the way. ACLs are not
// read; the mode bits decide, for the user's uid and primary group only (a
// process spawned with another uid keeps no supplementary groups).
import { realpath, stat } from "node:fs/promises";
import path from "node:path";

export type Ids = { uid: number; gid: number };

export function permits(file: { uid: number; gid: number; mode: number }, ids: Ids, access: "read" | "execute"): boolean {
  if (ids.uid === 0) return true;
  const shift = file.uid === ids.uid ? 6 : file.gid === ids.gid ? 3 : 0;
  const bit = access === "read" ? 0o4 : 0o1;
  return ((file.mode >> shift) & bit) !== 0;
}

/** The first folder from / down to `folder` (itself included) that `ids` cannot enter, or null. */
export async function blockingFolder(folder: string, ids: Ids): Promise<string | null> {
  const chain: string[] = [];
  for (let current = await realpath(folder); ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) break;
  }
  for (const current of chain) {
    if (!permits(await stat(current), ids, "execute")) return current;
  }
  return null;
}
