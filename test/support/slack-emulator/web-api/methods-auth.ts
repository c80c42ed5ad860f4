/** auth.test and apps.connections.open: who the token is, and where the Socket Mode link lives. */
import type { MethodDefinition } from './method.js';

export const authMethods: Record<string, MethodDefinition> = {
  'auth.test': {
    token: 'bot',
    run: ({ core: { store } }) => ({
      url: `https://${store.teamDomain}.slack.com/`,
      team: store.teamName,
      user: store.botName,
      team_id: store.teamId,
      user_id: store.botUserId,
      bot_id: store.botId,
      is_enterprise_install: false,
    }),
  },
  'apps.connections.open': {
    token: 'app',
    run: ({ core }) => {
      const link = new URL('link/', core.baseUrl.replace(/^http/, 'ws'));
      link.searchParams.set('ticket', core.socket.issueTicket());
      link.searchParams.set('app_id', core.store.appId);
      return { url: link.toString() };
    },
  },
};
