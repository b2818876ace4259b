// The other end of the SDK's sync socket for the socket-frame pacts: an in-memory WebSocket that the
// real SDK client (createSyncSocket) drives. It opens at once, keeps every frame the SDK sends, and
// hands the SDK the frames a test says the server sent. The consumer pact feeds it the server frames
// the SDK relies on; the SDK's provider verification reads from it the frames the SDK produces.
import { createSyncSocket, type SyncSocket, type WebSocketLike } from '../client-sdk/dist/index.js';

const OPEN = 1;
const CLOSED = 3;

export interface SocketPeer {
  /** The SDK client, connected to this peer. */
  socket: SyncSocket;
  /** Frames the SDK sent, parsed, in order. */
  sent: unknown[];
  /** Delivers `frame` to the SDK as a text frame from the server. */
  deliver(frame: unknown): void;
  /** Resolves once the SDK has sent `count` frames. */
  sentFrames(count: number): Promise<unknown[]>;
  close(): Promise<void>;
}

export function socketPeer(): SocketPeer {
  const sent: unknown[] = [];
  /** Every socket the SDK opened; the last one is the current connection. */
  const opened: MemorySocket[] = [];

  class MemorySocket implements WebSocketLike {
    readyState = 0;
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;

    constructor(
      readonly url: string,
      readonly protocols: string[],
    ) {
      opened.push(this);
      queueMicrotask(() => {
        this.readyState = OPEN;
        this.onopen?.({ type: 'open' });
      });
    }

    send(data: string): void {
      sent.push(JSON.parse(data));
    }

    close(code = 1000, reason = ''): void {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      queueMicrotask(() => this.onclose?.({ code, reason }));
    }
  }

  const socket = createSyncSocket({
    baseUrl: 'https://api.syncwell.example',
    getToken: async () => 'placeholder.token.value',
    WebSocket: MemorySocket,
  });
  return {
    socket,
    sent,
    deliver(frame) {
      const current = opened.at(-1);
      if (current?.readyState !== OPEN) throw new Error('the SDK has no open socket');
      current.onmessage?.({ data: JSON.stringify(frame) });
    },
    async sentFrames(count) {
      for (let turn = 0; sent.length < count; turn++) {
        if (turn > 1000) throw new Error(`the SDK sent ${sent.length} frames, not ${count}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return sent;
    },
    close: () => socket.close(),
  };
}
