// The PostgreSQL fold: one node at a time, the leader, folds the journal (every node's
// committed batches, one row each) into the rollups every `everyMs`, in chunks of rows merged
// per counter and written set-based (rollup-writer.ts), and moves the folded rows' ids to
// `batches`, all in one transaction per chunk. Leadership is a session advisory lock held on a
// connection of the fold's own: when the leader dies, its session ends, the lock goes with it,
// and the next node to try takes over (every node tries on every tick). A node that needs the
// rollups complete (stats, set count) asks the leader through NOTIFY and waits for the rows it
// saw to be gone.

import pg from "pg";
import { DeltaMerger } from "../delta-merger.js";
import { mergeRow } from "../journal-rows.js";
import { BUMP } from "./rollup-generation.js";
import { type Query, recordCrossings, writeRollups } from "./rollup-writer.js";

/** Any fixed number, shared by every node: with the schema's hash, the lock the fold leader holds. */
const FOLD_LOCK = 7_242_002;
const CHANNEL = "hitcounter_fold";
/** Journal rows per fold transaction (a 10 s fold of npm run bench's load on one node is ~5,000). */
const CHUNK_ROWS = 10_000;
/** The longest settle() waits for another node's fold before answering with what is there. */
const SETTLE_WAIT_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface JournalRow {
  seq: number;
  data: string;
  c: string[];
  vc: string[];
  vh: string[];
}

export interface FoldOptions {
  /** How the fold's own connection connects (the node's session settings). */
  settings: pg.ClientConfig;
  /** The node's pool, for the non-leader's questions. */
  pool: pg.Pool;
  /** The schema folded: each has a leader of its own. */
  schema: string;
  everyMs: number;
  cap: number;
  /** Counts every statement sent (the bench's cost per hit). */
  count: () => void;
  warn: (message: string, err?: unknown) => void;
}

const names = new Map<string, string>();
/** Folds send the same statements: named, the leader's connection plans each once. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `hc_fold_${names.size}`;
    names.set(sql, name);
  }
  return name;
}

export class Fold {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private leader = false;
  /** The fold running now, and whether another was asked for meanwhile. */
  private running: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: FoldOptions) {
    this.timer = setInterval(() => void this.tick().catch(() => {}), o.everyMs);
    this.timer.unref();
  }

  /** Whether this node holds the fold leadership now. */
  get leading(): boolean {
    return this.leader;
  }

  /** Tries to lead, and folds if it does; runs once more if asked while a fold runs. */
  tick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.run();
        } while (this.again && !this.closed);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Returns once the journal rows committed before the call are folded: folds them itself when
   * it leads (or can take the lead), else asks the leader and waits (at most SETTLE_WAIT_MS).
   */
  async settle(): Promise<void> {
    if (this.running) await this.running.catch(() => {});
    await this.tick();
    if (this.leader) return;
    this.o.count();
    const [r] = (
      await this.o.pool.query<{ s: number | null }>(
        `SELECT pg_notify('${CHANNEL}', $1), (SELECT max(seq) FROM journal) AS s`,
        [this.o.schema],
      )
    ).rows;
    const upTo = r?.s;
    if (upTo == null) return;
    const deadline = Date.now() + SETTLE_WAIT_MS;
    while (Date.now() < deadline) {
      await sleep(20);
      this.o.count();
      const left = await this.o.pool.query("SELECT 1 FROM journal WHERE seq <= $1 LIMIT 1", [upTo]);
      if (left.rowCount === 0) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running?.catch(() => {});
    const c = this.client;
    this.client = undefined;
    this.leader = false;
    // Ending the session releases the lock: another node takes over on its next tick.
    await c?.end().catch(() => {});
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    try {
      const c = await this.connection();
      if (!this.leader) {
        this.o.count();
        const r = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [
          FOLD_LOCK,
          this.o.schema,
        ]);
        if (!r.rows[0]?.ok) return;
        this.leader = true;
      }
      while (!this.closed && (await this.foldChunk(c)) === CHUNK_ROWS) {}
    } catch (err) {
      // The connection (and with it the lock) may be gone: start over on the next tick.
      // Only the message, code and stack: pg's errors can hold the connection's settings.
      const e = err as { message?: string; stack?: string; code?: string };
      this.o.warn(
        "fold failed; trying again on the next tick",
        Object.assign(new Error(e.message), { stack: e.stack, code: e.code }),
      );
      this.drop();
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const c = new pg.Client(this.o.settings);
      c.on("error", () => this.drop(c));
      await c.connect();
      // The leader folds at once when another node needs the rollups complete.
      c.on("notification", (n) => {
        if (this.leader && n.payload === this.o.schema) void this.tick().catch(() => {});
      });
      await c.query(`LISTEN ${CHANNEL}`);
      this.client = c;
      return c;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private drop(c = this.client): void {
    if (c && c !== this.client) return;
    this.client = undefined;
    this.leader = false;
    c?.end().catch(() => {});
  }

  /** Folds up to CHUNK_ROWS journal rows in one transaction; returns how many. */
  private async foldChunk(c: pg.Client): Promise<number> {
    const q: Query = async (sql, params) => {
      this.o.count();
      return (await c.query({ name: statementName(sql), text: sql, values: params })).rows;
    };
    this.o.count();
    // On any failure the caller drops the connection: ending the session rolls the transaction
    // back (a ROLLBACK sent on a broken connection may never be answered).
    await c.query("BEGIN");
    const rows = await q<JournalRow>("SELECT seq, data, c, vc, vh FROM journal ORDER BY seq LIMIT $1", [CHUNK_ROWS]);
    if (rows.length === 0) {
      this.o.count();
      await c.query("COMMIT");
      return 0;
    }
    const ids = new Set<string>();
    for (const r of rows) for (const id of r.c) ids.add(id);
    // Locked in id order: a reset, set count or breakdown delete of one of them waits for this
    // fold (or this fold for it) and then sees where the journal stands.
    const locked = await q<{ id: string; reset_seq: number; hits: number; milestones: string | null }>(
      "SELECT id, reset_seq, hits, milestones FROM counters WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
      [[...ids].sort()],
    );
    const resetSeq = new Map(locked.map((r) => [r.id, r.reset_seq]));
    const m = new DeltaMerger();
    for (const r of rows) {
      // A deleted counter's entries go, and so do a reset counter's from before its reset.
      const take = (id: string) => {
        const s = resetSeq.get(id);
        return s !== undefined && r.seq > s;
      };
      mergeRow(m, r.data, take);
      for (let i = 0; i < r.vc.length; i++) {
        const id = r.vc[i] as string;
        if (take(id)) m.delta(id).visitors.set(`${r.seq}.${i}`, r.vh[i] as string);
      }
    }
    await writeRollups(q, m.merged, this.o.cap);
    await recordCrossings(q, locked, m.merged);
    // The ids outlive their rows in `batches`, so a batch retried after a lost COMMIT answer
    // is recognised once folded too.
    await q(
      "WITH d AS (DELETE FROM journal WHERE seq = ANY($1::bigint[]) RETURNING id) INSERT INTO batches (id) SELECT id FROM d ON CONFLICT DO NOTHING",
      [rows.map((r) => r.seq)],
    );
    await q(BUMP, []);
    this.o.count();
    await c.query("COMMIT");
    return rows.length;
  }
}
