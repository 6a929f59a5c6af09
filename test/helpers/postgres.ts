import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL server from the Debian `postgresql` package: `initdb` on a temp data
 * folder, `pg_ctl start` on 127.0.0.1 and a free port, password (scram) authentication. PostgreSQL
 * refuses to run as root, so as root it runs as the package's `postgres` user through `runuser`.
 * Not installed is a failure naming the fix (.ci/run installs it), never a silent skip.
 */
export interface LocalPostgres {
  /** A connection string for the superuser `clearance` (password below). */
  url: string;
  port: number;
  password: string;
  stop(): void;
}

function binDir(): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  const [initdb] = versions
    .map((v) => `/usr/lib/postgresql/${v}/bin/initdb`)
    .filter((f) => existsSync(f))
    .sort()
    .reverse();
  if (!initdb) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `apt-get install -y postgresql` (.ci/run does)');
  return path.dirname(initdb);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startLocalPostgres(): Promise<LocalPostgres> {
  const bin = binDir();
  const root = mkdtempSync(path.join(tmpdir(), 'clearance-pg-'));
  const data = path.join(root, 'data');
  const password = 'test-only-password';
  writeFileSync(path.join(root, 'pwfile'), `${password}\n`);
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : path.join(bin, tool), asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chmodSync(root, 0o755);
    chownSync(root, uid, gid);
    chownSync(path.join(root, 'pwfile'), uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'clearance', '--auth=scram-sha-256', `--pwfile=${path.join(root, 'pwfile')}`, '--no-sync']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(root, 'log'),
    '-w',
    '-t',
    '120',
    '-o',
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  return {
    url: `postgres://clearance:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
