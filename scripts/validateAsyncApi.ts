// Validates the AsyncAPI document with the official parser (fails on any error or warning), then
// checks what no linter checks for AsyncAPI 3: every message has an example, and every example
// matches its payload schema; every payload is closed (additionalProperties: false), titled with
// its message name and carries a required schemaVersion.
import { Parser, fromFile } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;
const file = process.argv[2] ?? 'contracts/asyncapi.yaml';
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
const problems = diagnostics
  .filter((d) => d.severity <= 1)
  .map((d) => `${d.severity === 0 ? 'error' : 'warning'} ${d.path.join('.')}: ${d.message}`);

if (document) {
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  const withoutParserKeys = (value: unknown) =>
    JSON.parse(
      JSON.stringify(value, (k: string, v: unknown) => (k.startsWith('x-parser') ? undefined : v)),
    ) as Record<string, unknown>;
  for (const message of document.components().messages().all()) {
    const name = message.name() ?? message.id();
    const payload = withoutParserKeys(message.payload()?.json());
    if (payload.additionalProperties !== false)
      problems.push(`${name}: payload must set additionalProperties: false`);
    if (payload.title !== name) problems.push(`${name}: payload title is ${String(payload.title)}`);
    if (!(payload.required as string[] | undefined)?.includes('schemaVersion'))
      problems.push(`${name}: schemaVersion must be required`);
    const validate = ajv.compile(payload);
    const examples = message.examples().all();
    if (examples.length === 0) problems.push(`${name}: no example`);
    for (const example of examples)
      if (!validate(example.payload()))
        problems.push(`${name} example ${example.name() ?? ''}: ${ajv.errorsText(validate.errors)}`);
  }
}

for (const p of problems) console.error(p);
if (!document || problems.length > 0) process.exit(1);
console.log(
  `${file}: valid AsyncAPI ${document.version()}, ${document.allMessages().length} messages, every example matches its schema`,
);
