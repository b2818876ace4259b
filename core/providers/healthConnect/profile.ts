// Health Connect: Android's on-device health store (Google Fit's successor on the phone); the
// mobile app reads and writes it, like Apple Health on iOS.
import type { DeviceProviderProfile } from '../profile.js';

export const healthConnectProfile = {
  id: 'health_connect',
  kind: 'device',
  platform: 'android',
  displayName: 'Health Connect',
  maxHistoricalChunkDays: 30,
} as const satisfies DeviceProviderProfile<'health_connect'>;
