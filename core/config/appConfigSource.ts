// The dynamic configuration's source in AWS: AWS AppConfig, through the AppConfig Data API. One
// configuration session per process; each poll sends the token the previous answer gave, and an
// empty answer means "unchanged" (AppConfig bills and throttles by poll, so this is cheap).
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import type { Config } from './config.js';
import { awsClientOptions } from './config.js';
import type { ConfigSource } from './dynamicConfig.js';

export type AppConfigSettings = Pick<
  Config,
  | 'APPCONFIG_APPLICATION'
  | 'APPCONFIG_ENVIRONMENT'
  | 'APPCONFIG_PROFILE'
  | 'APPCONFIG_ENDPOINT'
  | 'DYNAMIC_CONFIG_REFRESH_SECONDS'
  | 'AWS_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
>;

export class AppConfigSource implements ConfigSource {
  readonly name = 'appconfig';
  private readonly client: AppConfigDataClient;
  private token: string | undefined;
  private version = 0;

  constructor(private readonly c: AppConfigSettings & { APPCONFIG_APPLICATION: string }) {
    this.client = new AppConfigDataClient({
      ...awsClientOptions(c),
      ...(c.APPCONFIG_ENDPOINT ? { endpoint: c.APPCONFIG_ENDPOINT } : {}),
    });
  }

  async fetch(): Promise<{ kind: 'document'; version: string; body: unknown } | { kind: 'unchanged' }> {
    this.token ??= (
      await this.client.send(
        new StartConfigurationSessionCommand({
          ApplicationIdentifier: this.c.APPCONFIG_APPLICATION,
          EnvironmentIdentifier: this.c.APPCONFIG_ENVIRONMENT,
          ConfigurationProfileIdentifier: this.c.APPCONFIG_PROFILE,
          RequiredMinimumPollIntervalInSeconds: Math.max(15, this.c.DYNAMIC_CONFIG_REFRESH_SECONDS),
        }),
      )
    ).InitialConfigurationToken;
    let answer;
    try {
      answer = await this.client.send(new GetLatestConfigurationCommand({ ConfigurationToken: this.token }));
    } catch (error) {
      // An expired or refused token: the next poll starts a new session.
      this.token = undefined;
      throw error;
    }
    this.token = answer.NextPollConfigurationToken ?? undefined;
    const bytes = answer.Configuration ?? new Uint8Array();
    if (bytes.length === 0) return { kind: 'unchanged' };
    const text = Buffer.from(bytes).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    this.version += 1;
    return { kind: 'document', version: answer.VersionLabel ?? `poll-${this.version}`, body };
  }

  close(): void {
    this.client.destroy();
  }
}
