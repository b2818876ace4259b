// Finds the contract operation for a request in O(1) for static paths and a short scan for
// templated ones. One lookup per request replaces dozens of Express route layers, each of which
// would otherwise test its regular expression against every request.
import type { HttpMethod, Route } from './routeTable.js';

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'none' };

interface Templated {
  pattern: RegExp;
  names: string[];
  byMethod: Map<string, Route>;
}

export class RouteMatcher {
  private readonly exact = new Map<string, Map<string, Route>>();
  private readonly templated: Templated[] = [];

  constructor(routes: Route[]) {
    const templates = new Map<string, Templated>();
    for (const route of routes) {
      if (!route.path.includes('{')) {
        const byMethod = this.exact.get(route.path) ?? new Map<string, Route>();
        byMethod.set(route.method, route);
        this.exact.set(route.path, byMethod);
        continue;
      }
      let t = templates.get(route.path);
      if (!t) {
        const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
        const source = route.path
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('([^/]+)');
        t = { pattern: new RegExp(`^${source}$`), names, byMethod: new Map() };
        templates.set(route.path, t);
        this.templated.push(t);
      }
      t.byMethod.set(route.method, route);
    }
  }

  match(method: string, path: string): RouteMatch {
    const normalized = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    let byMethod = this.exact.get(normalized);
    let params: Record<string, string> = {};
    if (!byMethod) {
      for (const t of this.templated) {
        const m = t.pattern.exec(normalized);
        if (!m) continue;
        byMethod = t.byMethod;
        try {
          params = Object.fromEntries(t.names.map((name, i) => [name, decodeURIComponent(m[i + 1] ?? '')]));
        } catch {
          return { kind: 'none' };
        }
        break;
      }
    }
    if (!byMethod) return { kind: 'none' };
    const route = byMethod.get(method.toLowerCase() as HttpMethod);
    if (route) return { kind: 'found', route, params };
    return { kind: 'method_not_allowed', allowed: [...byMethod.keys()].map((m) => m.toUpperCase()) };
  }
}
