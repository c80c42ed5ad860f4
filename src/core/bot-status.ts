/** Connection state shown in `/status` and `status`. */
export interface BotStatus {
  state: 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'stopped';
  /** Reconnects since start. */
  reconnects: number;
  lastError?: string;
}
