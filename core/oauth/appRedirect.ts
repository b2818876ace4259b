// Where the OAuth callback may send the user's browser when it is done: the app's own deep-link
// scheme (`syncwell://…`, opened by ASWebAuthenticationSession or Custom Tabs) or an https page the
// operator allowed (a universal link / App Link). Anything else would turn the callback into an open
// redirector, so createConnection refuses it and the callback never sees it.

/** Schemes a browser handles itself: never an app's redirect target. */
const WEB_SCHEMES = new Set([
  'http:',
  'javascript:',
  'data:',
  'file:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);

export interface AppRedirectAllowList {
  /** Custom schemes, with their colon (`syncwell:`): any URI of the scheme is the app's. */
  schemes: ReadonlySet<string>;
  /** https prefixes: same origin, and the path starts with the prefix's path. */
  https: readonly URL[];
}

/**
 * Parses `OAUTH_ALLOWED_REDIRECT_PREFIXES` (comma-separated `scheme://` entries and https
 * prefixes). Throws on an entry that is neither, so a misconfigured server does not start.
 */
export function parseAppRedirectAllowList(setting: string): AppRedirectAllowList {
  const schemes = new Set<string>();
  const https: URL[] = [];
  for (const entry of setting
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    if (url?.protocol === 'https:') https.push(url);
    else if (url && !WEB_SCHEMES.has(url.protocol)) schemes.add(url.protocol);
    else
      throw new Error(
        `OAUTH_ALLOWED_REDIRECT_PREFIXES: '${entry}' is neither an app scheme (myapp://) nor an https prefix`,
      );
  }
  return { schemes, https };
}

/** True when the callback may send the browser to `uri` (checked once, at createConnection). */
export function isAllowedAppRedirect(uri: string, allowed: AppRedirectAllowList): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  // `https://trusted@evil.example` tricks readers; no app or page needs credentials in its link.
  if (url.username || url.password) return false;
  if (url.protocol === 'https:')
    return allowed.https.some((p) => p.origin === url.origin && url.pathname.startsWith(p.pathname));
  return allowed.schemes.has(url.protocol);
}

/**
 * The app's link with the outcome added as query parameters (its own parameters are kept). Only
 * ids, statuses and problem codes go in: never a code, token or state.
 */
export function appRedirectLocation(
  uri: string,
  outcome: { connectionId: string; status: string } | { error: string },
): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value);
  return url.href;
}
