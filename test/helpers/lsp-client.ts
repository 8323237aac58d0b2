/**
 * A minimal LSP client for tests: spawns the real `layerc lsp`, frames
 * JSON-RPC messages with Content-Length headers, matches responses to
 * requests by id and keeps every notification for bounded waits. Written
 * independently of vscode-languageserver so the server is tested against
 * the protocol, not against its own library.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cliPath, waitFor } from "./process.js";

interface Message {
  readonly id?: number;
  readonly method?: string;
  readonly params?: unknown;
  readonly result?: unknown;
  readonly error?: { code: number; message: string };
}

export class LspClient {
  private readonly child: ChildProcess;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly notifications: Message[] = [];
  stderr = "";

  constructor(args: readonly string[] = ["lsp", "--stdio"]) {
    this.child = spawn(process.execPath, [cliPath, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.on("data", (chunk: Buffer) => this.receive(chunk));
    this.child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString())?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8")) as Message;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      if (body.id !== undefined && body.method === undefined) {
        const p = this.pending.get(body.id);
        this.pending.delete(body.id);
        if (body.error) p?.reject(new Error(`${body.error.code}: ${body.error.message}`));
        else p?.resolve(body.result);
      } else if (body.id !== undefined && body.method !== undefined) {
        // A request from the server (e.g. client/registerCapability): answer so it does not wait.
        this.send({ id: body.id, result: null });
      } else this.notifications.push(body);
    }
  }

  private send(msg: object): void {
    const json = JSON.stringify({ jsonrpc: "2.0", ...msg });
    this.child.stdin!.write(`Content-Length: ${Buffer.byteLength(json, "utf8")}\r\n\r\n${json}`);
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ method, params });
  }

  /** Waits for the first notification after index `from` that satisfies `pred`. */
  async waitNotification(pred: (m: Message) => boolean, what: string, from = 0, timeoutMs = 30_000): Promise<Message> {
    return waitFor(() => this.notifications.slice(from).find(pred), what, timeoutMs, () => `stderr: ${this.stderr}\nseen: ${JSON.stringify(this.notifications.map((n) => n.method))}`);
  }

  async shutdown(): Promise<number | null> {
    await this.request("shutdown", null);
    const exited = new Promise<number | null>((r) => this.child.on("exit", (code) => r(code)));
    this.notify("exit", null);
    return exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}
