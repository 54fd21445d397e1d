import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '@fairflax/publishing-api';
import type {
  ArticleRequest,
  ArticlesApplication,
  AuthorReads,
  CommandOutcome,
} from './application.js';
import { ValidationError } from './domain/errors.js';
import { validId } from './domain/rules.js';
import {
  context as commandContext,
  newAggregateId,
  text,
  toGrpcStatus,
  type ArticlesServerDeps,
  type Wire,
} from './grpc-server.js';
import { notingMalformedStrings, refuseMalformedStrings } from './wire-strings.js';

const PROTO_PATH = fileURLToPath(new URL('../../../proto/article-import.proto', import.meta.url));

interface ImportPackage {
  fairflax: { publishing: { v1: { ArticleImport: grpc.ServiceClientConstructor } } };
}

export const ArticleImportService = (loadProto(PROTO_PATH) as unknown as ImportPackage).fairflax
  .publishing.v1.ArticleImport;

export interface ImportLimits {
  /** Records decided together and committed in one transaction. */
  groupSize: number;
  /** Past this a call fails with INVALID_ARGUMENT: a client splits a larger archive. */
  recordsPerCall: number;
  /** Rejections listed in the summary; all are counted. */
  rejectionsListed: number;
}

export const IMPORT_LIMITS: ImportLimits = {
  groupSize: 100,
  recordsPerCall: 100_000,
  rejectionsListed: 1_000,
};

interface Rejection {
  line: string;
  code: string;
  field: string;
  reason: string;
}

interface Summary {
  received: number;
  imported: number;
  duplicates: number;
  rejected: number;
  rejections: Rejection[];
  events: number;
  lastPosition: number;
}

/** A record as the commands it stands for: the draft, then its publication if published. */
function articleCommands(record: Wire, newId: () => string): ArticleRequest[] {
  refuseMalformedStrings(record);
  validId('command_id', text(record, 'commandId'));
  const articleId = newAggregateId(record, 'articleId', newId);
  const draft: ArticleRequest = {
    type: 'DraftArticle',
    data: {
      articleId,
      title: text(record, 'title') ?? '',
      body: text(record, 'body') ?? '',
      category: text(record, 'category') ?? '',
      authorId: text(record, 'authorId') ?? '',
    },
  };
  return record['published'] === true
    ? [draft, { type: 'PublishArticle', data: { articleId } }]
    : [draft];
}

/** One call, one archive (or a part): each group is decided together and commits as one. */
function importArticles(
  app: ArticlesApplication,
  newId: () => string,
  deps: Pick<ArticlesServerDeps, 'logger'>,
  limits: ImportLimits,
): grpc.handleClientStreamingCall<Wire, unknown> {
  return (call, callback) => {
    const summary: Summary = {
      received: 0,
      imported: 0,
      duplicates: 0,
      rejected: 0,
      rejections: [],
      events: 0,
      lastPosition: 0,
    };
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      call.destroy();
    });

    const importGroup = async (group: { record: Wire; line: string }[]) => {
      const authors: AuthorReads = new Map();
      const outcomes = await Promise.allSettled(
        group.map(({ record }) =>
          Promise.resolve().then(() =>
            app.handleArticleCommands(
              articleCommands(record, newId),
              commandContext(record),
              authors,
            ),
          ),
        ),
      );
      outcomes.forEach((outcome, i) => tally(summary, outcome, group[i]!.line, limits));
    };

    let committing: Promise<void> = Promise.resolve();
    const receive = async () => {
      let group: { record: Wire; line: string }[] = [];
      for await (const record of call as AsyncIterable<Wire>) {
        summary.received++;
        if (summary.received > limits.recordsPerCall) {
          throw new ValidationError(
            `an import call takes at most ${limits.recordsPerCall} records; ` +
              `split the archive over several calls`,
          );
        }
        // int64 arrives as a decimal string: echoed as sent, never rounded through a double.
        const line = record['line'];
        group.push({
          record,
          line:
            typeof line === 'string' && /^[1-9]\d*$/.test(line) ? line : String(summary.received),
        });
        if (group.length === limits.groupSize) {
          // The next group is read while this one commits, so the client need not wait.
          await committing;
          committing = importGroup(group);
          committing.catch(() => undefined);
          group = [];
        }
      }
      await committing;
      if (!cancelled) await importGroup(group);
    };

    receive().then(
      () => {
        if (cancelled) return;
        summary.rejections.sort(
          (a, b) => a.line.length - b.line.length || (a.line < b.line ? -1 : 1),
        );
        callback(null, {
          ...summary,
          received: String(summary.received),
          imported: String(summary.imported),
          duplicates: String(summary.duplicates),
          rejected: String(summary.rejected),
          events: String(summary.events),
          lastPosition: String(summary.lastPosition),
        });
      },
      async (err: unknown) => {
        // Answered once the group being committed is: the client then sees what stands.
        await committing.catch(() => undefined);
        if (cancelled) return;
        const status = toGrpcStatus(err);
        if (status.code === grpc.status.INTERNAL) {
          deps.logger.error({ err, method: 'ImportArticles' }, 'import failed');
        }
        callback(status, null);
      },
    );
  };
}

/** A domain failure rejects its record; anything else fails the call. */
function tally(
  summary: Summary,
  outcome: PromiseSettledResult<CommandOutcome>,
  line: string,
  limits: ImportLimits,
): void {
  if (outcome.status === 'fulfilled') {
    const { value } = outcome;
    if (value.duplicate) {
      summary.duplicates++;
    } else {
      summary.imported++;
      // The article's stream was new: its version counts the events stored.
      summary.events += value.streamVersion;
      summary.lastPosition = Math.max(summary.lastPosition, value.globalPosition);
    }
    return;
  }
  const status = toGrpcStatus(outcome.reason);
  if (status.code === grpc.status.INTERNAL || status.code === undefined) throw outcome.reason;
  summary.rejected++;
  if (summary.rejections.length < limits.rejectionsListed) {
    const field = status.metadata?.get('field')[0];
    summary.rejections.push({
      line,
      code: grpc.status[status.code],
      field: typeof field === 'string' ? field : '',
      reason: status.details ?? '',
    });
  }
}

/** Adds the ArticleImport service to articles' gRPC server. */
export function articleImport(
  server: grpc.Server,
  deps: ArticlesServerDeps,
  limits: ImportLimits = IMPORT_LIMITS,
): void {
  const handle = importArticles(deps.app, deps.newId, deps, limits);
  server.addService(notingMalformedStrings(ArticleImportService.service), {
    ImportArticles: ((call, callback) => {
      deps.calls?.inc({ grpc_method: 'ImportArticles' });
      handle(call, callback);
    }) as grpc.handleClientStreamingCall<Wire, unknown>,
  });
}
