import { userInfo } from 'node:os';
import { Command, Flags } from '@oclif/core';
import { runChat } from '../chat/session.js';

/** `switchboard chat`: the web console in a terminal, for people on a server over SSH. */
export default class Chat extends Command {
  static override summary = 'Chat with a running agent from a terminal, through its web console';
  static override description =
    `Connects to the console platform of a running agent (communications.<group>.console) and prints what arrives in every channel as plain text: replies, notifications, digests. Lines you type run as commands in the current channel, exactly as on the web page (help, ping, exec ls…). Streaming output is printed when posted and again, whole, once it stops changing. Lines starting with / are for the terminal: /channel NAME, /channels, /status, /help, /quit.

The connection is retried after a drop (0.5 s doubling to 10 s); a refused token ends the command with exit code 1. When input is not a terminal (a pipe), each line is a command and the command exits once every command has been answered, no output is still streaming, and the console has been quiet for a second.`;

  static override examples = [
    '<%= config.bin %> chat',
    '<%= config.bin %> chat --url http://10.0.0.5:2116/ --token "$TOKEN" --channel ops',
    'echo ping | <%= config.bin %> chat --channel ops',
  ];

  static override flags = {
    url: Flags.string({
      char: 'u',
      default: 'http://127.0.0.1:2116/',
      description: 'the console URL the agent printed (a ?token= in it is used)',
    }),
    token: Flags.string({
      char: 't',
      env: 'SWITCHBOARD_CONSOLE_TOKEN',
      description: "the console's access token (sent as a Bearer header)",
    }),
    channel: Flags.string({ char: 'c', description: 'channel to type into (default: the first)' }),
    user: Flags.string({
      description: 'name your commands are shown and audited under (default: your login)',
    }),
    history: Flags.integer({
      default: 10,
      min: 0,
      description: 'recent messages to print per channel when connecting',
    }),
    color: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'colours (only on a terminal)',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Chat);
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const code = await runChat({
      url: flags.url,
      ...(flags.token ? { token: flags.token } : {}),
      ...(flags.channel ? { channel: flags.channel.replace(/^#/, '') } : {}),
      user: flags.user ?? safeUserName(),
      history: flags.history,
      input: process.stdin,
      output: process.stdout,
      errors: process.stderr,
      interactive,
      color: flags.color && Boolean(process.stdout.isTTY),
    });
    // After /quit, stdin is still open and would keep the process alive.
    process.stdin.destroy();
    if (code !== 0) this.exit(code);
  }
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'terminal';
  }
}
