import type { Command } from 'commander';

/** Every CLI subcommand registers itself here; one file per command (group) in this folder. */
export const commands: Array<(program: Command) => void> = [];
