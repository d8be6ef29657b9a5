import type { Command } from './command.js';
import { chunkCommand } from './chunkCommand.js';
import { embedCommand } from './embedCommand.js';
import { mergeCommand } from './mergeCommand.js';
import { predictCommand } from './predictCommand.js';
import { translateCommand } from './translateCommand.js';

/** Every subcommand, in the order `virnucpro --help` lists them. */
export const COMMANDS: readonly Command[] = [chunkCommand, translateCommand, embedCommand, predictCommand, mergeCommand];
