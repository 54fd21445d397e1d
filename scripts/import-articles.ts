/** `pnpm import-articles <file.ndjson> [--articles host:port]`: README, "Importing an archive". */
import { importMain } from '@fairflax/operations';

importMain(process.argv.slice(2));
