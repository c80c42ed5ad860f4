import { describe, expect, it } from 'vitest';
import {
  botNamePlaceholder,
  codeBlockMessage,
  commandButton,
  encodeMessage,
  goJsonStringify,
  type Message,
  MessageFormatError,
  parseMessage,
  plaintextMessage,
  toGoJson,
  urlButton,
} from './message.js';

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Uses every part of the model; the expected JSON below is written by hand in Go's field order. */
const richMessage: Message = {
  type: 'threadMessage',
  baseBody: { plaintext: 'Pods <shop> & more' },
  timestamp: new Date('2025-03-02T10:15:30.120Z'),
  sections: [
    {
      header: 'Pod web-1 restarted',
      description: 'Namespace shop',
      body: { codeBlock: 'kubectl logs web-1' },
      style: { divider: 'none' },
      buttons: [
        commandButton('Logs', 'kubectl logs web-1 -n shop', {
          style: 'primary',
          description: 'Show the logs',
        }),
        urlButton('Runbook', 'https://example.com/runbook'),
      ],
      multiSelect: {
        name: 'Namespaces',
        description: { plaintext: 'Pick namespaces' },
        command: '{{BotName}} edit SourceBindings',
        options: [
          { name: 'shop', value: 'shop' },
          { name: 'default', value: 'default' },
        ],
        initialOptions: [{ name: 'shop', value: 'shop' }],
      },
      selects: {
        id: 'cmd-select',
        items: [
          {
            type: 'static',
            name: 'Resource',
            command: '{{BotName}} kubectl get',
            optionGroups: [
              {
                name: 'Workloads',
                options: [
                  { name: 'pods', value: 'pods' },
                  { name: 'deployments', value: 'deployments' },
                ],
              },
            ],
            initialOption: { name: 'pods', value: 'pods' },
          },
        ],
      },
      plaintextInputs: [
        {
          command: '{{BotName}} kubectl get pods --filter',
          text: 'Filter output',
          placeholder: 'regex',
          dispatchedAction: 'on_enter_pressed',
        },
      ],
      textFields: [
        { key: 'Kind', value: 'Pod' },
        { key: 'Namespace', value: 'shop' },
      ],
      bulletLists: [{ title: 'Recommendations', items: ['Set resource limits', 'Add a readiness probe'] }],
      context: [{ text: 'Cluster: prod' }],
    },
    { header: 'Second' },
  ],
  onlyVisibleForYou: true,
  userHandle: 'U123',
  parentActivityId: '1740910530.000100',
};

const richMessageGoJson = [
  '{"type":"threadMessage",',
  '"baseBody":{"plaintext":"Pods \\u003cshop\\u003e \\u0026 more"},',
  '"timestamp":"2025-03-02T10:15:30.12Z",',
  '"sections":[{',
  '"header":"Pod web-1 restarted","description":"Namespace shop",',
  '"body":{"codeBlock":"kubectl logs web-1"},',
  '"style":{"divider":"none"},',
  '"buttons":[',
  '{"description":"Show the logs","descriptionStyle":"code","name":"Logs",',
  '"command":"{{BotName}} kubectl logs web-1 -n shop","style":"primary"},',
  '{"descriptionStyle":"","name":"Runbook","url":"https://example.com/runbook"}],',
  '"multiSelect":{"name":"Namespaces","description":{"plaintext":"Pick namespaces"},',
  '"command":"{{BotName}} edit SourceBindings",',
  '"options":[{"name":"shop","value":"shop"},{"name":"default","value":"default"}],',
  '"initialOptions":[{"name":"shop","value":"shop"}]},',
  '"selects":{"id":"cmd-select","items":[{"type":"static","name":"Resource","command":"{{BotName}} kubectl get",',
  '"optionGroups":[{"name":"Workloads","options":[{"name":"pods","value":"pods"},',
  '{"name":"deployments","value":"deployments"}]}],',
  '"initialOption":{"name":"pods","value":"pods"}}]},',
  '"plaintextInputs":[{"command":"{{BotName}} kubectl get pods --filter","text":"Filter output",',
  '"placeholder":"regex","dispatchedAction":"on_enter_pressed"}],',
  '"textFields":[{"key":"Kind","value":"Pod"},{"key":"Namespace","value":"shop"}],',
  '"bulletLists":[{"title":"Recommendations","items":["Set resource limits","Add a readiness probe"]}],',
  '"context":[{"text":"Cluster: prod"}]},',
  '{"header":"Second","body":{},"style":{"divider":""},"multiSelect":{"description":{}},"selects":{}}],',
  '"onlyVisibleForYou":true,"userHandle":"U123","parentActivityId":"1740910530.000100"}',
].join('');

describe('encodeMessage', () => {
  it('writes the exact JSON Go writes for a rich message', () => {
    expect(decode(encodeMessage(richMessage))).toBe(richMessageGoJson);
  });

  it('always writes baseBody and the zero timestamp, and omits empty optional fields', () => {
    expect(
      toGoJson({ type: '', baseBody: {}, sections: [], onlyVisibleForYou: false, userHandle: '' }),
    ).toEqual({
      baseBody: {},
      timestamp: '0001-01-01T00:00:00Z',
    });
  });

  it('writes timestamps as Go does: trimmed fraction, Z for UTC, nanoseconds kept', () => {
    const at = (timestamp: Date | string) => toGoJson({ baseBody: {}, timestamp }).timestamp;

    expect(at(new Date('2025-03-02T10:15:30.000Z'))).toBe('2025-03-02T10:15:30Z');
    expect(at('2025-03-02t10:15:30.123456789000+00:00')).toBe('2025-03-02T10:15:30.123456789Z');
    expect(at('2025-03-02T12:15:30+02:00')).toBe('2025-03-02T12:15:30+02:00');
  });

  it('refuses timestamps Go could not read back', () => {
    for (const bad of ['yesterday', '2025-02-30T10:15:30Z', '2025-03-02T24:00:00Z', '2025-03-02 10:15:30Z']) {
      expect(() => toGoJson({ baseBody: {}, timestamp: bad }), bad).toThrow(RangeError);
    }
    expect(() => toGoJson({ baseBody: {}, timestamp: new Date(Number.NaN) })).toThrow(RangeError);
  });

  it('escapes <, > and & like Go’s json.Marshal, leaving the value unchanged', () => {
    const text = goJsonStringify({ html: '<a href="x">&</a>\u2028' });

    expect(text).toBe('{"html":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028"}');
    expect(JSON.parse(text)).toEqual({ html: '<a href="x">&</a>\u2028' });
  });
});

describe('message builders', () => {
  it('marks body messages filterable only on request', () => {
    expect(codeBlockMessage('NAME  READY')).toEqual({ baseBody: { codeBlock: 'NAME  READY' } });
    expect(plaintextMessage('done', { allowFilter: true })).toEqual({
      type: 'baseBodyWithFilter',
      baseBody: { plaintext: 'done' },
    });
  });

  it('prefixes button commands with the bot-name placeholder', () => {
    expect(botNamePlaceholder).toBe('{{BotName}}');
    expect(commandButton('Pods', 'kubectl get pods')).toEqual({
      name: 'Pods',
      command: '{{BotName}} kubectl get pods',
    });
    expect(
      commandButton('Drain', 'kubectl drain n1', {
        style: 'danger',
        description: 'Drain',
        descriptionStyle: 'bold',
      }),
    ).toEqual({
      name: 'Drain',
      command: '{{BotName}} kubectl drain n1',
      description: 'Drain',
      descriptionStyle: 'bold',
      style: 'danger',
    });
    expect(urlButton('Docs', 'https://example.com', 'primary')).toEqual({
      name: 'Docs',
      url: 'https://example.com',
      style: 'primary',
    });
  });
});

describe('parseMessage', () => {
  it('reads back what encodeMessage wrote, minus the always-emitted empty structs', () => {
    const parsed = parseMessage(encodeMessage(richMessage));

    expect(parsed).toEqual({ ...richMessage, timestamp: '2025-03-02T10:15:30.12Z' });
    expect(decode(encodeMessage(parsed))).toBe(richMessageGoJson);
  });

  it('reads the minimal message of a Go plugin, dropping the zero timestamp', () => {
    const json =
      '{"type":"baseBodyWithFilter","baseBody":{"codeBlock":"NAME  READY\\nweb-1 1/1"},"timestamp":"0001-01-01T00:00:00Z"}';

    expect(parseMessage(json)).toEqual({
      type: 'baseBodyWithFilter',
      baseBody: { codeBlock: 'NAME  READY\nweb-1 1/1' },
    });
  });

  it('matches keys case-insensitively and ignores unknown keys and wrongly typed values', () => {
    const json = JSON.stringify({
      Type: 'form',
      BASEBODY: { Plaintext: 'hi', extra: 1 },
      Timestamp: 42,
      sections: [
        { Header: 'h', Buttons: [{ Name: 'b', COMMAND: 'c', Style: 'rainbow' }], TextFields: 'x' },
        'junk',
      ],
      futureField: { nested: true },
      onlyVisibleForYou: 'yes',
    });

    expect(parseMessage(json)).toEqual({
      type: 'form',
      baseBody: { plaintext: 'hi' },
      sections: [{ header: 'h', buttons: [{ name: 'b', command: 'c' }] }],
    });
  });

  it('drops message types it does not know, so renderers use the default', () => {
    expect(parseMessage('{"type":"hologram","baseBody":{}}')).toEqual({ baseBody: {} });
  });

  it('tolerates a missing baseBody and other missing keys', () => {
    expect(parseMessage(new TextEncoder().encode('{}'))).toEqual({ baseBody: {} });
  });

  it('throws MessageFormatError with a snippet for input that is not a JSON object', () => {
    const cases: Array<[Uint8Array | string, RegExp]> = [
      ['kubectl output, not JSON', /not valid JSON/],
      [new Uint8Array(), /not valid JSON/],
      ['[{"baseBody":{}}]', /must be an object, got an array/],
      ['"text"', /must be an object, got string/],
      ['null', /must be an object, got null/],
    ];
    for (const [input, problem] of cases) {
      const error = (() => {
        try {
          parseMessage(input);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(MessageFormatError);
      expect((error as MessageFormatError).message).toMatch(problem);
      expect((error as MessageFormatError).name).toBe('MessageFormatError');
    }
    expect(() => parseMessage(`oops ${'x'.repeat(200)}`)).toThrow(/input: "oops x{75}…"/);
  });
});
