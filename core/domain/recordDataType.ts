// Which of the four canonical models a record is. The contract keeps them apart by their required
// fields (CanonicalRecord.yaml: exactly one model matches), so one distinguishing field suffices.
import type { CanonicalRecord, DataType } from './types.js';

export function dataTypeOfRecord(record: CanonicalRecord): DataType {
  if ('workoutType' in record) return 'workout';
  if ('weightKg' in record) return 'weight';
  if ('steps' in record) return 'steps';
  return 'sleep_session';
}
