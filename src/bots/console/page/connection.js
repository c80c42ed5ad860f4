/**
 * The page's WebSocket: connects, reads frames with the shared protocol module, and reconnects
 * after a drop with a growing, jittered delay (0.5 s up to 10 s).
 */
import { readServerFrame } from './console-protocol.js';

/**
 * Opens `url` and keeps it open. `onFrame(frame)` gets every known server frame; `onState(state,
 * info)` gets 'connecting', 'open', or 'closed' with `{ code, reason, delay }`.
 */
export function openConnection({ url, onFrame, onState }) {
  let socket;
  let attempt = 0;
  let timer;
  let stopped = false;

  const connect = () => {
    onState('connecting', {});
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      attempt = 0;
      onState('open', {});
    });
    socket.addEventListener('message', (event) => {
      let frame;
      try {
        frame = readServerFrame(String(event.data));
      } catch (err) {
        console.warn('console: ignored a malformed frame', err);
        return;
      }
      if (frame) onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      if (stopped) return;
      const delay = Math.round(Math.min(10_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4));
      attempt += 1;
      onState('closed', { code: event.code, reason: event.reason, delay });
      timer = setTimeout(connect, delay);
    });
  };
  connect();

  return {
    /** Sends a frame; false when not connected. */
    send(frame) {
      if (socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    close() {
      stopped = true;
      clearTimeout(timer);
      socket.close(1000, 'page closed');
    },
  };
}
