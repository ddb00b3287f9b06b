// The dev stack's command lines (the demo, the local operator, the mock SSP): what a command cannot use (an option it
// does not know, a port that is no port) is refused in one line with exit status 2, before anything starts.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function refuse(problem: string): never {
  console.error(problem);
  process.exit(2);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values of `options` in this process's arguments (no positionals). */
export function parseOptions<const T extends Options>(options: T) {
  try {
    return parseArgs({ options }).values;
  } catch (error) {
    // parseArgs says which option it does not know, or which one lacks its value
    return refuse((error as Error).message);
  }
}

/** The port a `--option` names: 0 to 65535, 0 for any free one. */
export function portOption(option: string, text: string): number {
  if (/^\d{1,5}$/.test(text) && Number(text) <= 65535) return Number(text);
  return refuse(`--${option} must be a port number (0 to 65535; 0 picks a free one), not "${text}"`);
}
