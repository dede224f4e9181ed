import type { Socket } from 'node:net';

// A subscription event goes to every matching subscriber of a connection in the same turn of the
// event loop. Sent one by one through `ws`, each message cost a copy of its payload, a frame
// header, several stream writes and their bookkeeping: at 1,000 subscribers that was most of the
// API's CPU (and of its garbage). Here a connection's `next` messages of one turn are framed
// together into one buffer and written once.

/** Bytes of the WebSocket frame header (server to client, unmasked) for a payload of `length`. */
function headerLength(length: number): number {
  return length < 126 ? 2 : length <= 0xffff ? 4 : 10;
}

/** Writes a final text frame's header at `at`; returns where the payload starts. */
function writeHeader(target: Buffer, at: number, length: number): number {
  target[at] = 0x81; // FIN, text
  if (length < 126) {
    target[at + 1] = length;
    return at + 2;
  }
  if (length <= 0xffff) {
    target[at + 1] = 126;
    target.writeUInt16BE(length, at + 2);
    return at + 4;
  }
  target[at + 1] = 127;
  target.writeUInt32BE(Math.floor(length / 2 ** 32), at + 2);
  target.writeUInt32BE(length >>> 0, at + 6);
  return at + 10;
}

const CLOSING_BRACE = 0x7d;

/**
 * One connection's `next` messages (`{"id":…,"type":"next","payload":` + payload + `}`) waiting
 * for the end of the turn. Whatever else the connection sends (graphql-ws's own messages, a close)
 * must `flush()` first, so that messages keep their order.
 */
export class NextFrames {
  /** Prefix and payload of each waiting message, in turn. */
  private parts: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;
  private written: Promise<void> = Promise.resolve();
  private readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Bytes waiting here, not yet handed to the socket. */
  get pendingBytes(): number {
    return this.bytes;
  }

  add(prefix: Buffer, payload: Buffer): void {
    this.parts.push(prefix, payload);
    const length = prefix.length + payload.length + 1;
    this.bytes += headerLength(length) + length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const parts = this.parts;
    const out = Buffer.allocUnsafe(this.bytes);
    this.parts = [];
    this.bytes = 0;
    let at = 0;
    for (let i = 0; i < parts.length; i += 2) {
      const prefix = parts[i]!;
      const payload = parts[i + 1]!;
      at = writeHeader(out, at, prefix.length + payload.length + 1);
      at += prefix.copy(out, at);
      at += payload.copy(out, at);
      out[at++] = CLOSING_BRACE;
    }
    // A connection closed meanwhile: its subscriptions are being completed; nothing to send to.
    if (!this.socket.writable) return;
    // The callback comes once the bytes have left, or with an error once the socket is gone.
    this.written = new Promise((resolve) => this.socket.write(out, () => resolve()));
  }

  /** Sends what waits; resolves once everything handed to the socket so far has left. */
  drained(): Promise<void> {
    this.flush();
    return this.written;
  }
}
