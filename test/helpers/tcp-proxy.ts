// A TCP proxy the test controls, between server nodes and PostgreSQL: `cut()` drops every open
// connection and refuses new ones (a database restart or network cut); `restore()` undoes it;
// `loseNextCommitAnswer()` lets the next batch commit (the PostgreSQL store's statement named
// hc_commit, postgres/journal.ts) reach the database but cuts the connection before its answer
// comes back (the case batch ids exist for).

import net from "node:net";

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  loseNextCommitAnswer(): void;
  /** How many COMMIT answers were lost on purpose so far. */
  readonly commitAnswersLost: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let armed = false;
  let lost = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    let severed = false;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.on("data", (chunk: Buffer) => {
      if (armed && chunk.includes("hc_commit")) {
        armed = false;
        lost++;
        severed = true;
        // The database gets the commit and then end-of-stream; the client never hears back.
        upstream.end(chunk);
        client.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!severed) client.write(chunk);
    });
    client.on("close", () => !severed && upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    restore: () => listen(port),
    loseNextCommitAnswer() {
      armed = true;
    },
    get commitAnswersLost() {
      return lost;
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
