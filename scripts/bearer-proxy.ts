import { createServer, request } from 'node:http';

/**
 * A loopback reverse proxy that adds `Authorization: Bearer <token>` to every request, as an MCP
 * client configured with a bearer header does; Host and Origin pass through untouched. The MCP
 * conformance suite's server runner takes only a URL, so `scripts/conformance.sh` puts this in front
 * of `clearance serve --http`. Usage: node dist/scripts/bearer-proxy.js <upstream-url> (token in
 * CLEARANCE_PROXY_TOKEN); prints "proxy on http://127.0.0.1:<port>" once it listens.
 */
const upstream = new URL(process.argv[2] ?? '');
const token = process.env.CLEARANCE_PROXY_TOKEN;
if (!token) throw new Error('CLEARANCE_PROXY_TOKEN is not set: mint one with `clearance task start --token-only`');

const proxy = createServer((req, res) => {
  const forward = request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${token}` } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  forward.on('error', (err) => res.headersSent || res.writeHead(502).end(`upstream: ${err.message}`));
  req.pipe(forward);
});
proxy.listen(0, '127.0.0.1', () => {
  const address = proxy.address();
  if (address && typeof address === 'object') console.log(`proxy on http://127.0.0.1:${address.port}`);
});
