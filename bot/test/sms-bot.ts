/**
 * A running Fieldline for desk-feature tests: a fresh test database, the fake WeCom API and SMS sent to
 * a fake Twilio the test owns (so it can read what was sent, or take it down).
 */
import type { FakeTwilio } from './fakes/twilio';
import { createTestDatabase, type TestDatabase } from './support';
import { startBot, startFakeWecom, type FakeWecom, type RunningBot } from './wecom';

export interface BotWithSms {
  readonly database: TestDatabase;
  readonly wecom: FakeWecom;
  readonly bot: RunningBot;
  /** Stops the bot, Twilio and WeCom fakes, and drops the database. */
  readonly stop: () => Promise<void>;
}

/** Starts `twilio`, the fake WeCom API and the bot on a new database; `env` adds to the bot's settings. */
export async function startBotWithSms(
  twilio: FakeTwilio,
  env: Record<string, string> = {},
): Promise<BotWithSms> {
  const database = await createTestDatabase();
  await twilio.start();
  const wecom = await startFakeWecom();
  const bot = await startBot({
    database,
    apiBase: wecom.url,
    env: {
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+8610000000000',
      TWILIO_API_BASE: twilio.url,
      ...env,
    },
  });
  return {
    database,
    wecom,
    bot,
    stop: async () => {
      await bot.stop();
      await twilio.stop();
      await wecom.close();
      await database.drop();
    },
  };
}
