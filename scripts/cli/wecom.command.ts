import { readDevCredentials, DEV_API_PREFIX } from '../../bot/src/channels/wecom/dev-credentials';
import { toWecomMenu } from '../../bot/src/conversation/menu';
import { runSimulator } from '../sim/simulator';
import { WecomClient } from '../sim/wecom-client';
import { UsageError, type CliCommand } from './command';

export const wecomMenuCommand: CliCommand = {
  name: 'wecom:menu',
  summary: 'Push the application menu (defined in bot/src/conversation/menu.ts) to WeCom',
  usage: 'fieldline wecom:menu [--print]\n  --print   show the menu JSON instead of pushing it',
  async run(args, { out, services }) {
    if (args.length > 1 || (args.length === 1 && args[0] !== '--print'))
      throw new UsageError('unexpected arguments');
    const menu = toWecomMenu();
    if (args[0] === '--print') {
      out(JSON.stringify(menu, null, 2));
      return 0;
    }
    const { wecom, wecomConfig, devWecom } = await services();
    await wecom.api.createMenu(menu);
    out(
      `Menu pushed to agent ${wecomConfig.agentId}${devWecom ? ' (development mode: the fake WeCom API of the running service)' : ''}.`,
    );
    return 0;
  },
};

export const simCommand: CliCommand = {
  name: 'sim',
  summary: 'Chat with the local bot as a WeCom member (signed, encrypted, like WeCom)',
  usage: [
    'fieldline sim --user <userid> [--url http://127.0.0.1:3000]',
    '  Uses WECOM_* if set, else the development credentials the service created in DATA_DIR.',
    '  In the chat: /photo <file>, /location <lat> <lng>, /click <EventKey>, /scan <code>,',
    '  /card <n|key|option ids> (answer the last card pushed), /help, /quit',
  ].join('\n'),
  async run(args, { out, config }) {
    const user = valueOf(args, '--user');
    if (!user || !/^[A-Za-z0-9_.@-]{1,64}$/.test(user))
      throw new UsageError('--user <userid> is required (letters, digits, _ . @ -)');
    const settings = config();
    const baseUrl = (valueOf(args, '--url') ?? `http://127.0.0.1:${settings.port}`).replace(/\/+$/, '');
    const corp = settings.wecom ?? readDevCredentials(settings.dataDir);
    if (!corp) {
      out(
        `No WeCom settings and no development credentials in ${settings.dataDir}: start the service once (npm start) first.`,
      );
      return 1;
    }
    const client = new WecomClient({ baseUrl, corp, userId: user });
    await runSimulator({
      client,
      input: process.stdin,
      output: process.stdout,
      fakeApiBase: settings.wecom ? undefined : `${baseUrl}${DEV_API_PREFIX}`,
    });
    return 0;
  },
};

function valueOf(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}
