// The event loop's side of the stats reads' worker (read-worker.ts).

import { WorkerRequests } from "../../workers/requests.js";
import { workerModule } from "../../workers/start.js";

export interface ReadRequest {
  kind: "daily" | "hourly" | "breakdown" | "listCreated" | "listHitsToday";
  params: (string | number)[];
}

export function readClient(dataDir: string): WorkerRequests<ReadRequest, unknown[]> {
  return new WorkerRequests(workerModule("./read-worker", import.meta.url), { dataDir }, "the stats reads' worker");
}
