/**
 * For the demo's test and its browser benchmark (Node, not the page): the built site served over
 * http (wasm must come with its MIME type), optionally cross-origin isolated, and the Chromium to
 * drive it with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, extname, join, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

/**
 * The headers that make a page cross-origin isolated (`crossOriginIsolated`), which
 * SharedArrayBuffer, hence threads in WebAssembly, needs.
 */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } as const;

/** A running server and the URL of its root (with a trailing slash). */
export interface ServedSite {
  readonly server: Server;
  readonly url: string;
}

/**
 * A static file server of the folder `root` on a free local port.
 * @param options.isolated send `ISOLATION_HEADERS` with every file.
 */
export async function serveSite(root: string, options: { readonly isolated?: boolean } = {}): Promise<ServedSite> {
  const folder = resolve(root);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = resolve(folder, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!file.startsWith(folder + sep) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const headers = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', ...(options.isolated === true ? ISOLATION_HEADERS : {}) };
    response.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else `chromium` on the PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, 'chromium'));
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', ...onPath].find((p) => p !== undefined && p !== '' && existsSync(p));
}
