// SyncWell's own services, behind the operator key. C-006: the anonymizer proxy the AI features
// call with one user's records; the answer holds only what core/anonymizer/ lets through, and
// neither the request nor the answer is stored or logged.
import type { HandlerMap } from '../http/operationTypes.js';
import type { HandlerDependencies } from './dependencies.js';

export function internalHandlers(d: HandlerDependencies): Pick<HandlerMap, 'anonymizeRecords'> {
  return {
    anonymizeRecords({ body }) {
      return Promise.resolve({
        status: 200,
        body: { records: d.anonymizer.anonymize(body.userId, body.records) },
      });
    },
  };
}
