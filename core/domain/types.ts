// Domain types are the contract's types: aliases of what openapi-typescript generates, so a change
// to contracts/ reaches every layer through `make generate` and the compiler.
import type { components } from '../../generated/openapi.gen.js';

type Schemas = components['schemas'];

export type Provider = Schemas['Provider'];
export type CloudProvider = Schemas['CloudProvider'];
export type DeviceProvider = Schemas['DeviceProvider'];
export type DevicePlatform = Schemas['DevicePlatform'];
export type HealthStoreUnavailableReason = Schemas['HealthStoreUnavailableReason'];
export type DataType = Schemas['DataType'];
export type SyncMode = Schemas['SyncMode'];
export type SyncPriority = Schemas['SyncPriority'];
export type SyncTrigger = Schemas['SyncTrigger'];
export type SyncJobStatus = Schemas['SyncJobStatus'];
export type ConflictStrategy = Schemas['ConflictStrategy'];
export type SubscriptionLevel = Schemas['SubscriptionLevel'];
export type DateRange = Schemas['DateRange'];
export type Connection = Schemas['Connection'];
export type ProviderNotice = Schemas['ProviderNotice'];
export type Device = Schemas['Device'];
export type ConnectionStatus = Connection['status'];
export type SyncConfig = Schemas['SyncConfig'];
export type SyncJob = Schemas['SyncJob'];
export type UserSettings = Schemas['UserSettings'];
export type User = Schemas['User'];
export type Problem = Schemas['Problem'];
export type ExportJob = Schemas['ExportJob'];
export type ExportJobStatus = Schemas['ExportJobStatus'];
export type ExportDataTypeProgress = Schemas['ExportDataTypeProgress'];
export type ExportMissingData = Schemas['ExportMissingData'];

// Canonical health records (contracts/schemas/Canonical*.yaml), one model per data type.
export type CanonicalWorkout = Schemas['CanonicalWorkout'];
export type CanonicalSleepSession = Schemas['CanonicalSleepSession'];
export type CanonicalSteps = Schemas['CanonicalSteps'];
export type CanonicalWeight = Schemas['CanonicalWeight'];
export type CanonicalRecord = Schemas['CanonicalRecord'];
export type WorkoutType = Schemas['WorkoutType'];

// What an AI feature may see of a record (C-006, core/anonymizer/).
export type AnonymizedRecord = Schemas['AnonymizedRecord'];
export type AnonymizedWorkout = Schemas['AnonymizedWorkout'];
export type AnonymizedSleepSession = Schemas['AnonymizedSleepSession'];
export type AnonymizedSteps = Schemas['AnonymizedSteps'];
export type AnonymizedWeight = Schemas['AnonymizedWeight'];

/** The canonical model a data type maps to. */
export interface CanonicalByDataType {
  workout: CanonicalWorkout;
  sleep_session: CanonicalSleepSession;
  steps: CanonicalSteps;
  weight: CanonicalWeight;
}
