/**
 * A command run under script(1), which logs every byte the command writes to its terminal: what
 * petlab sends to a terminal, counted outside petlab. script outlives its tmux pane (it keeps the
 * command's terminal open), so stop() ends the command itself, by the process id it wrote down.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const hasScript = (): boolean => spawnSync('script', ['--version']).status === 0;

export interface PtyLogged {
  /** the shell command for the tmux pane */
  command: string;
  /** bytes written so far */
  bytes(): number;
  /** end the command (SIGTERM: petlab restores the terminal and exits) */
  stop(): void;
}

export function underScript(cmd: string, dir: string): PtyLogged {
  const log = path.join(dir, 'pty.log');
  const pidFile = path.join(dir, 'pty.pid');
  return {
    command: `cd ${dir} && exec script -q -f -c 'echo $$ > ${pidFile}; exec ${cmd}' ${log}`,
    bytes: () => (existsSync(log) ? statSync(log).size : 0),
    stop() {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
      if (!Number.isInteger(pid)) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}
