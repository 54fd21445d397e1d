import type { Projection } from '@fairflax/projections';
import { dataPath, envReader, runMain, type EnvReader } from '@fairflax/service-kit';
import { runDeadLettersCli } from './dead-letters-cli.js';
import { runLiveRebuildCli, runningService } from './live-rebuild-cli.js';
import { runRebuildCli } from './rebuild-cli.js';

/** A read model the commands can open: `<name>.sqlite` in DATA_DIR, kept by `projection`. */
export interface ReadModelOf {
  name: string;
  projection(env: EnvReader): Projection;
}

/**
 * `pnpm rebuild-read-model <name> --live`: the running service rebuilds while it serves;
 * `pnpm rebuild-read-model <name> [--articles host:port] [--db path]`: stop the service first.
 */
export function rebuildMain(readModel: ReadModelOf, args = process.argv.slice(2)): void {
  runMain(`${readModel.name} rebuild`, async () => {
    const env = envReader();
    if (args.includes('--live')) {
      if (args.length > 1) {
        process.stderr.write('--live takes no other option: the running service knows its own\n');
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runLiveRebuildCli({
        service: readModel.name,
        env,
        write: (text) => process.stderr.write(text),
        tty: process.stderr.isTTY,
      });
      return;
    }
    if (!args.includes('--db') && (await runningService(env, readModel.name))) {
      process.stderr.write(
        `${readModel.name} is running with this DATA_DIR: rebuild it while it serves with ` +
          `--live, or stop it first\n`,
      );
      process.exitCode = 1;
      return;
    }
    await runRebuildCli({
      service: readModel.name,
      projection: readModel.projection(env),
      defaultDbPath: dataPath(env, `${readModel.name}.sqlite`),
      defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
      args,
    });
  });
}

/** `pnpm dead-letters <name> list|replay ...`; works while the service runs. */
export function deadLettersMain(readModel: ReadModelOf, args = process.argv.slice(2)): void {
  runMain(`${readModel.name} dead-letters`, () => {
    const env = envReader();
    process.exitCode = runDeadLettersCli({
      service: readModel.name,
      projection: readModel.projection(env).name,
      defaultDbPath: dataPath(env, `${readModel.name}.sqlite`),
      args,
    });
    return Promise.resolve();
  });
}
