import type { Store } from "../store.js";
export function openPostgres(_o: { url: string }): Promise<Store> {
  throw new Error("PostgreSQL store not built yet");
}
