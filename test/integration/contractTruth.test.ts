// The contract tells the truth about what is not built yet: every operation that declares a 501
// response answers 501 `not_implemented` to the contract's own example request. An operation that
// works but still declares 501 (or says "until … ships") fails here, naming the operation.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { parse } from 'yaml';
import { BUNDLED_SPEC_PATH } from '../../server/http/routeTable.js';
import { PENDING_OPERATIONS } from '../../server/handlers/notYetImplemented.js';
import { getHarness } from './hooks.js';

interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  example?: unknown;
  schema?: { example?: unknown; examples?: unknown[] };
}
interface Operation {
  operationId: string;
  description?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: {
    content: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }>;
  };
  responses: Record<string, unknown>;
}
interface Spec {
  paths: Record<string, Record<string, Operation | Parameter[]> & { parameters?: Parameter[] }>;
  components: { parameters: Record<string, Parameter> };
}

const spec = parse(readFileSync(BUNDLED_SPEC_PATH, 'utf8')) as Spec;
const resolve = (p: Parameter) => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()!]! : p);
const exampleOf = (p: Parameter) => p.example ?? p.schema?.example ?? p.schema?.examples?.[0];

const declared501 = Object.entries(spec.paths).flatMap(([path, item]) =>
  (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((method) => {
    const op = item[method] as Operation | undefined;
    if (!op?.responses['501']) return [];
    const parameters = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
    return [{ path, method, op, parameters }];
  }),
);

describe('the contract declares 501 only where the API answers it', () => {
  it('declares 501 exactly for the operations the server lists as not built yet', () => {
    expect(declared501.map((d) => d.op.operationId)).to.have.members([...PENDING_OPERATIONS]);
  });

  for (const { path, method, op, parameters } of declared501)
    it(`${op.operationId} answers 501 not_implemented to its example request`, async () => {
      const h = getHarness();
      let url = path;
      const query = new URLSearchParams();
      const headers: Record<string, string> = {};
      for (const p of parameters) {
        const value = p.name === 'Idempotency-Key' ? randomUUID() : exampleOf(p);
        if (value === undefined) {
          expect(p.required, `${op.operationId}: required ${p.in} ${p.name} has no example`).to.not.equal(
            true,
          );
          continue;
        }
        if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(value)));
        else if (p.in === 'query') query.set(p.name, String(value));
        else headers[p.name] = String(value);
      }
      const media = op.requestBody?.content['application/json'];
      const body = media ? (media.example ?? Object.values(media.examples ?? {})[0]?.value) : undefined;
      if (op.security?.length !== 0) headers.authorization = `Bearer ${await h.token(h.newUserId())}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${h.api.url}${url}${query.size ? `?${query}` : ''}`, {
        method: method.toUpperCase(),
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
      });
      const text = await res.text();
      expect(res.status, `${op.operationId}: ${text}`).to.equal(501);
      expect((JSON.parse(text) as { code: string }).code).to.equal('not_implemented');
    });
});
