import { execFileSync, spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import * as mysql from 'mysql2/promise';

/** A throwaway MariaDB server on 127.0.0.1 with an admin user that logs in over TCP. */
export interface TestServer {
  readonly host: string;
  readonly port: number;
  readonly admin: { username: string; password: string };
  /** A connection as `username` over TCP. */
  connect(username: string, password: string): Promise<mysql.Connection>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `mariadbd` from the OS packages (apt-get install mariadb-server) with a fresh data directory. */
export async function startMariaDb(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pi-mariadb-'));
  const socket = join(dir, 'sock');
  const pidFile = join(dir, 'pid');
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/data`, '--user=root',
    '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  const port = await freePort();
  const child = spawn('mariadbd', ['--no-defaults', `--datadir=${dir}/data`, `--socket=${socket}`, `--port=${port}`,
    '--bind-address=127.0.0.1', '--user=root', '--skip-log-bin', `--pid-file=${pidFile}`,
    // The settings of the RDS parameter group that matter to names and SQL.
    '--lower-case-table-names=1', '--sql-mode=NO_AUTO_VALUE_ON_ZERO'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const admin = { username: 'admin', password: 'Admin-pass-1' };
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-e',
        `CREATE USER '${admin.username}'@'%' IDENTIFIED BY '${admin.password}'; GRANT ALL ON *.* TO '${admin.username}'@'%' WITH GRANT OPTION;`],
      { stdio: 'ignore' });
      break;
    } catch (e) {
      if (attempt > 100 || child.exitCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`mariadbd did not start: ${(e as Error).message}`);
      }
      await sleep(200);
    }
  }

  return {
    host: '127.0.0.1',
    port,
    admin,
    connect: (username, password) => mysql.createConnection({ host: '127.0.0.1', port, user: username, password }),
    stop: async () => {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      process.kill(pid, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
