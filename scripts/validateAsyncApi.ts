// Validates an AsyncAPI document with the official parser; fails on any error or warning.
import { Parser, fromFile } from '@asyncapi/parser';

const file = process.argv[2] ?? 'contracts/asyncapi.yaml';
const { document, diagnostics } = await fromFile(new Parser(), file).parse();
const problems = diagnostics.filter((d) => d.severity <= 1);
for (const d of problems)
  console.error(`${d.severity === 0 ? 'error' : 'warning'} ${d.path.join('.')}: ${d.message}`);
if (!document || problems.length > 0) process.exit(1);
console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.allMessages().length} messages`);
