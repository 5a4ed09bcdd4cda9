/**
 * The cache across sessions: a snapshot of the sync positions, the conversations and the newest messages of each,
 * saved under `<SDKAppID>:<userID>` in a key-value storage — IndexedDB in browsers (when available), or any
 * `{getItem, setItem}` the app passes as `create({storage})`. The next login restores it before its catch-up, so
 * what arrived while the app was closed is emitted once and history already seen is answered from the cache.
 */
import type { Logger } from "./log";
import { type Json, Message } from "./message";
import type { ConvState, MessageRun, Store } from "./store";
import type { C2CCursor, SyncEngine } from "./sync";

export interface KeyValueStorage {
  getItem(key: string): Promise<string | null> | string | null;
  setItem(key: string, value: string): Promise<void> | void;
  removeItem?(key: string): Promise<void> | void;
}

const VERSION = 1;
/** newest messages kept per conversation (the run stays contiguous to the newest) */
const KEEP = 200;

interface Snapshot {
  v: number;
  c2c: [string, C2CCursor][];
  groups: [string, number][];
  convs: Omit<ConvState, never>[];
  runs: [string, { list: Json[]; reachedStart: boolean }][];
  groupInfo: [string, Json][];
}

export function snapshot(store: Store, sync: SyncEngine): string {
  const runs: Snapshot["runs"] = [];
  for (const [id, run] of store.runs) {
    const list = run.list.slice(-KEEP);
    runs.push([id, { list: list.map((m) => ({ ...m })), reachedStart: run.reachedStart && list.length === run.list.length }]);
  }
  const snap: Snapshot = {
    v: VERSION,
    c2c: [...sync.c2c.entries()],
    groups: [...sync.groups.entries()],
    convs: [...store.convs.values()],
    runs,
    groupInfo: [...store.groups.entries()],
  };
  return JSON.stringify(snap);
}

/** Restore a snapshot into an empty store and engine; returns false when there was nothing usable. */
export function restore(text: string | null, store: Store, sync: SyncEngine): boolean {
  if (!text) return false;
  let snap: Snapshot;
  try {
    snap = JSON.parse(text) as Snapshot;
  } catch {
    return false;
  }
  if (snap?.v !== VERSION) return false;
  for (const [peer, c] of snap.c2c) sync.c2c.set(peer, c);
  for (const [gid, seq] of snap.groups) sync.groups.set(gid, seq);
  for (const s of snap.convs) store.convs.set(s.conv.conversationID, { ...s });
  for (const [gid, g] of snap.groupInfo) store.groups.set(gid, g);
  for (const [id, r] of snap.runs) {
    const run: MessageRun = store.run(id);
    run.reachedStart = r.reachedStart;
    for (const raw of r.list) {
      const m = Object.assign(new Message(), raw);
      if (m.status !== "success") continue;
      run.list.push(m);
      run.byID.set(m.ID, m);
      sync.emitted.add(m.ID);
    }
    store.reindex(id);
  }
  sync.baselineDone = true;
  return true;
}

/** IndexedDB as a KeyValueStorage (one object store of strings), or null where there is none. */
export function indexedDBStorage(log: Logger): KeyValueStorage | null {
  const idb = (globalThis as unknown as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return null;
  let dbp: Promise<IDBDatabase> | null = null;
  const db = () =>
    (dbp ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open("yuntong-chat", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("state");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  const run = <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>) =>
    db().then(
      (d) =>
        new Promise<T>((resolve, reject) => {
          const req = fn(d.transaction("state", mode).objectStore("state"));
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        }),
    );
  return {
    async getItem(key) {
      try {
        const v = await run<unknown>("readonly", (s) => s.get(key));
        return typeof v === "string" ? v : null;
      } catch (e) {
        log.warn("IndexedDB read failed", e);
        return null;
      }
    },
    async setItem(key, value) {
      try {
        await run("readwrite", (s) => s.put(value, key));
      } catch (e) {
        log.warn("IndexedDB write failed", e);
      }
    },
    async removeItem(key) {
      try {
        await run("readwrite", (s) => s.delete(key));
      } catch {
        /* ignore */
      }
    },
  };
}
