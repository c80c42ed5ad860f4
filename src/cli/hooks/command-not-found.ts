/**
 * oclif's `command_not_found` hook. In a terminal it is @oclif/plugin-not-found's, which asks
 * "Did you mean …?" and runs the answer. Without a terminal (scripts, pipes, CI) that plugin
 * names no suggestion at all, so this one prints the closest command or topic in the warning
 * and exits 127 as the plugin does.
 */
import { type Hook, toConfiguredId } from '@oclif/core';
import askDidYouMean from '@oclif/plugin-not-found';
import { didYouMean } from '../../config/zod-issues.js';

const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY) return askDidYouMean.call(this, opts);
  const { config, id } = opts;
  const visible = config.commands.filter((c) => !c.hidden);
  const candidates = [
    ...visible.flatMap((c) => [c.id, ...c.aliases]),
    ...config.topics.filter((t) => !t.hidden).map((t) => t.name),
  ];
  const suggestion = didYouMean(id, candidates);
  const topic = config.findTopic(id.split(':')[0] ?? '') ? ` ${id.split(':')[0]}` : '';
  this.warn(
    `${toConfiguredId(id, config)} is not a ${config.bin} command.${
      suggestion ? ` Did you mean "${config.bin} ${toConfiguredId(suggestion, config)}"?` : ''
    }`,
  );
  this.error(`Run "${config.bin} help${topic}" for a list of available commands.`, { exit: 127 });
};

export default hook;
