// Upgrading from a version that kept the journal as a SQLite table (journal.db): its batches
// not yet folded are folded into the rollups once, on start, and the file is then removed.
// The watermark moves past them, so the journal log (journal-log.ts) continues after them.

import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Folder } from "./fold.js";
import type { JournalRecord, JournalSource } from "./journal-log.js";

export function foldLegacyJournal(dataDir: string, folder: Folder): void {
  const file = join(dataDir, "journal.db");
  if (!existsSync(file)) return;
  const db = new Database(file);
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'journal'").pluck().get();
    if (hasTable) {
      const after = db.prepare("SELECT seq, data FROM journal WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?");
      const end = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM journal").pluck().get() as number;
      const source: JournalSource = {
        last: () => end,
        read: (seq, upTo, limit) => after.all(seq, upTo, limit) as JournalRecord[],
      };
      folder.foldAll(source);
    }
  } finally {
    db.close();
  }
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
}
