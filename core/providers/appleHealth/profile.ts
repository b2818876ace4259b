// Apple Health: device-only (HealthKit has no cloud API); the mobile app reads and writes it.
import type { DeviceProviderProfile } from '../profile.js';

export const appleHealthProfile = {
  id: 'apple_health',
  kind: 'device',
  platform: 'ios',
  displayName: 'Apple Health',
  maxHistoricalChunkDays: 30,
} as const satisfies DeviceProviderProfile<'apple_health'>;
