import type { CliCommand } from '../kit';
import { accountsCommand } from './accounts';
import { demoCommand } from './demo';
import { downloadCommand } from './download';
import { exportCommand } from './export';
import { packCommand } from './pack';
import { reviewCommand } from './review';
import { syncCommand } from './sync';

/**
 * Every command of `billfold`, in the order `--help` lists them. A new command is a module in
 * this folder that exports a `CliCommand`, and one line here.
 */
export const commands: CliCommand[] = [accountsCommand, syncCommand, downloadCommand, reviewCommand, packCommand, exportCommand, demoCommand];
