// /docs works offline: the HTML loads no script or stylesheet from another host, and the bundled
// contracts are served as YAML for Postman/Insomnia import.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { getHarness } from './hooks.js';

/** URLs of scripts, stylesheets, preloads and module imports the page makes the browser fetch. */
function fetchedAssets(html: string): string[] {
  const tags = html.match(/<(script|link)\b[^>]*>/gi) ?? [];
  const imports = [...html.matchAll(/\b(?:from|import)\s*\(?\s*["'`]((?:https?:)?\/\/[^"'`]+)/gi)].map(
    (m) => m[1]!,
  );
  return imports.concat(
    tags.flatMap((tag) => {
      const url = /\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/i.exec(tag)?.[1];
      if (!url) return [];
      // <link rel="icon"> and friends are not code; stylesheets and (module)preloads are.
      if (/^<link/i.test(tag) && !/rel\s*=\s*["']?[^"'>]*(stylesheet|preload|modulepreload)/i.test(tag))
        return [];
      return [url];
    }),
  );
}

describe('documentation served offline', () => {
  for (const page of ['openapi.html', 'asyncapi.html'])
    it(`${page} loads no script or stylesheet from another host`, async () => {
      const res = await getHarness().request('GET', `/docs/${page}`);
      expect(res.status).to.equal(200);
      const external = fetchedAssets(res.text).filter((url) => /^(https?:)?\/\//i.test(url));
      expect(external, `${page} fetches ${external.join(', ')}`).to.deep.equal([]);
      // The renderer itself is in the page (Redoc's bundle or the AsyncAPI React component).
      expect(res.text.length).to.be.above(1_000_000);
    });

  it('serves the bundled OpenAPI and AsyncAPI documents as YAML', async () => {
    const h = getHarness();
    for (const [path, version, marker] of [
      ['/docs/openapi.yaml', 'openapi', '/v1/sync-jobs'],
      ['/docs/asyncapi.yaml', 'asyncapi', 'HotPathSyncRequested'],
    ] as const) {
      const res = await h.request('GET', path);
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type'), path).to.match(/^application\/yaml/);
      const doc = parse(res.text) as Record<string, unknown>;
      expect(doc[version], path).to.be.a('string');
      expect(res.text, path).to.contain(marker);
      // One self-contained document: no reference into another file (contracts/schemas/*.yaml).
      expect(res.text, path).to.not.match(/\$ref: ['"]?\.\//);
    }
    const served = parse((await h.request('GET', '/docs/openapi.yaml')).text) as {
      info: { version: string };
    };
    const source = parse(readFileSync('contracts/openapi.yaml', 'utf8')) as { info: { version: string } };
    expect(served.info.version).to.equal(source.info.version);
  });
});
