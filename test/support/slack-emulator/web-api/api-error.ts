/** The ways a Web API method fails, as Slack answers them. */

/** A Slack-level error: HTTP 200 with `{ ok: false, error, ...extra }`. */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }

  /** An error with Slack's `response_metadata.messages` lines ("[ERROR] …"). */
  static withMessages(code: string, messages: string[], extra: Record<string, unknown> = {}): SlackApiError {
    return new SlackApiError(code, {
      ...extra,
      response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) },
    });
  }
}

/** The posting budget of a channel is spent: HTTP 429 with Retry-After. */
export class RateLimitedError extends Error {
  constructor(readonly channel: string) {
    super(`rate limited in ${channel}`);
  }
}
