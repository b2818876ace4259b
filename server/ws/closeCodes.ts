// Close codes the server sends on /v1/ws. The same table is in contracts/asyncapi.yaml (channel
// `syncSocket`) and docs/architecture.md; closeCodes.test.ts keeps the contract's table equal to this.
// 4400-range codes are the application's (RFC 6455 leaves 4000-4999 to it), named after the HTTP
// status they resemble.
export const CLOSE = {
  /** The API process is stopping: reconnect (to another process). */
  goingAway: { code: 1001, reason: 'going_away' },
  /** A frame larger than WS_MAX_FRAME_BYTES (ws's maxPayload sends it itself). */
  frameTooLarge: { code: 1009, reason: 'frame_too_large' },
  internalError: { code: 1011, reason: 'internal_error' },
  /** A binary frame, or text that is not a JSON object. */
  frameNotJson: { code: 4400, reason: 'frame_not_json' },
  /** The token the socket was opened with expired: reconnect with a fresh one. */
  tokenExpired: { code: 4401, reason: 'token_expired' },
  /** The account was deleted (DELETE /v1/users/me): its sockets close and cannot reopen (410). */
  accountDeleted: { code: 4410, reason: 'account_deleted' },
  /** `action` names no client frame of the contract. */
  unknownAction: { code: 4404, reason: 'unknown_action' },
  /** No application frame either way for WS_IDLE_TIMEOUT_MS. */
  idleTimeout: { code: 4408, reason: 'idle_timeout' },
  /** The frame does not match its AsyncAPI message schema. */
  invalidFrame: { code: 4422, reason: 'invalid_frame' },
  /** More than WS_MAX_BUFFERED_BYTES waited to be written: the client does not read. */
  slowConsumer: { code: 4429, reason: 'slow_consumer' },
} as const;

export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];
