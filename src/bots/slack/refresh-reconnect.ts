/**
 * Reconnects at once after Slack asks for it. socket-mode 3.1 waits `clientPingTimeout` (5 s by
 * default, times the failures in a row) before every reconnect, including the one after a
 * `disconnect` frame, which Slack sends for routine refreshes (about hourly): seconds each time
 * with no connection, and events sent meanwhile wait or are lost. Its 3.2.0 reconnects at once;
 * until bolt can take that release, this cancels the wait after a refresh or warning frame.
 * Other closes (a dead socket, `too_many_websockets`, `link_disabled`) keep socket-mode's delay.
 */
import type { SocketModeReceiver } from '@slack/bolt';

type SocketModeClient = SocketModeReceiver['client'];

/** Reasons after which Slack expects the client back at once. */
const refreshReasons = new Set(['refresh_requested', 'warning']);

/** socket-mode's private reconnect state (3.1): read defensively, it may change. */
interface ReconnectInternals {
  reconnectionTimer?: ReturnType<typeof setTimeout>;
  numOfConsecutiveReconnectionFailures?: number;
}

/**
 * Installs the listeners on `socket`; `reconnect` is how to open a new connection (the caller's
 * `start()`, which handles a failed reconnect). Must be called after socket-mode's constructor,
 * so that its `close` listener, which schedules the delayed reconnect, runs first.
 */
export function reconnectAtOnceAfterRefresh(socket: SocketModeClient, reconnect: () => void): void {
  let refresh = false;
  const noteRefresh = (data: unknown) => {
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : '';
    if (!text.includes('"disconnect"')) return;
    try {
      const frame = JSON.parse(text) as { type?: unknown; reason?: unknown };
      if (frame.type === 'disconnect' && refreshReasons.has(String(frame.reason))) refresh = true;
    } catch {
      // Not JSON: socket-mode reports it.
    }
  };
  // Ahead of socket-mode's own handler, which closes the socket on this frame (its emitter,
  // eventemitter3, has no prependListener).
  const theirs = socket.listeners('ws_message');
  socket.removeAllListeners('ws_message');
  socket.on('ws_message', noteRefresh);
  for (const listener of theirs) socket.on('ws_message', listener);
  socket.on('close', () => {
    if (!refresh) return;
    refresh = false;
    const internals = socket as unknown as ReconnectInternals;
    // No timer: socket-mode did not schedule a delayed reconnect (stopping, or a newer version).
    if (internals.reconnectionTimer === undefined) return;
    clearTimeout(internals.reconnectionTimer);
    internals.reconnectionTimer = undefined;
    internals.numOfConsecutiveReconnectionFailures = 0;
    socket.emit('reconnecting');
    reconnect();
  });
}
