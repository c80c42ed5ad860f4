import { compileTemplate } from '../core/go-template.js';
import type { ConfigIssue } from './issues.js';
import type { Config } from './schema.js';

/**
 * Compiles every action's command template, so a syntax error (an unclosed `{{`, an unknown
 * function) is a config error at load, naming the action and the line:column in the
 * template, instead of a warning the first time a matching event arrives.
 */
export function checkActionTemplates(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, action] of Object.entries(config.actions)) {
    try {
      compileTemplate(action.command, { name: `actions.${name}.command` });
    } catch (err) {
      issues.push({
        severity: 'error',
        code: 'invalid',
        path: ['actions', name, 'command'],
        message: `${(err as Error).message.replace(/^template "[^"]*": /, 'template ')}`,
      });
    }
  }
  return issues;
}
