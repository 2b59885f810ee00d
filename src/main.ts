/** A first word that is not a flag names a command (known or not: the CLI says which). */
function looksLikeCommand(w: string | undefined): boolean {
  return w !== undefined && !w.startsWith('-');
}

/**
 * `petlab` with a terminal and no command opens the workbench (TUI); a command, or no terminal,
 * runs headless.
 */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--version' || argv[0] === '-V') {
    const { readFileSync } = await import('node:fs');
    // package.json is one level above src/ and dist/ alike
    process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
    return 0;
  }
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  // The workbench is imported before the CLI: the CLI's commands load TensorFlow, and the
  // workbench draws its first frame before that.
  if (!looksLikeCommand(argv[0]) && !wantsHelp && interactive) {
    const tui = await import('./tui/launch.js').catch((e: unknown) => {
      if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw e;
    });
    if (tui) return tui.launchTui(argv);
  }
  const { runCli } = await import('./cli/run-cli.js');
  // flags only (`petlab --data D`) ask for the workbench; a word is a command, known or not
  if (!looksLikeCommand(argv[0]) && !wantsHelp && argv.length && !interactive) {
    process.stderr.write('petlab: no terminal here, so no workbench: give a command (e.g. petlab train --data DIR)\nhint: petlab --help lists them\n');
    return 2;
  }
  return runCli(argv);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`petlab: internal error: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  },
);
