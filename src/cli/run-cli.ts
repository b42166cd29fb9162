import { runMain } from '../run.js';
import { parseCommandLine, UsageError } from './args.js';
import { helpText } from './help.js';

/**
 * `node dist/cli.js COMMAND [--INPUT VALUE]...`: the inputs become the INPUT_* variables
 * @actions/core reads, GITHUB_ACTIONS is dropped (the log is a command-line tool's), and the
 * action's own main run follows. Returns the exit code: 0, 1 when the command failed, 2 for a
 * command line it refuses (one `Error:` line naming what is wrong).
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let request;
  try {
    request = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`Error: ${error.message}\n`);
    return 2;
  }
  if (request.help) {
    process.stdout.write(helpText(100, request.command));
    return 0;
  }
  delete env.GITHUB_ACTIONS;
  for (const [name, value] of Object.entries(request.inputs))
    env[`INPUT_${name.toUpperCase()}`] = value;
  await runMain(env);
  return process.exitCode === 1 ? 1 : 0;
}
