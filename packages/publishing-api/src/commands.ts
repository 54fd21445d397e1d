import * as grpc from '@grpc/grpc-js';
import { ArticlesService } from './proto.js';

export interface CommandResult {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  duplicate: boolean;
}

export interface DraftArticle {
  commandId?: string;
  articleId?: string;
  title: string;
  body: string;
  category: string;
  authorId: string;
}
export interface ReviseArticle {
  commandId?: string;
  articleId: string;
  title?: string;
  body?: string;
  category?: string;
  expectedVersion?: number;
}
export interface PublishArticle {
  commandId?: string;
  articleId: string;
  expectedVersion?: number;
}
export interface RetractArticle {
  commandId?: string;
  articleId: string;
  reason: string;
  expectedVersion?: number;
}
export interface RegisterAuthor {
  commandId?: string;
  authorId?: string;
  name: string;
}
export interface RenameAuthor {
  commandId?: string;
  authorId: string;
  name: string;
}

/** Promise-based client for the articles command API. Errors are grpc ServiceErrors. */
export interface ArticlesCommands {
  draftArticle(command: DraftArticle): Promise<CommandResult>;
  reviseArticle(command: ReviseArticle): Promise<CommandResult>;
  publishArticle(command: PublishArticle): Promise<CommandResult>;
  retractArticle(command: RetractArticle): Promise<CommandResult>;
  registerAuthor(command: RegisterAuthor): Promise<CommandResult>;
  renameAuthor(command: RenameAuthor): Promise<CommandResult>;
  close(): void;
}

interface WireCommandResult {
  streamId?: string;
  streamVersion?: string;
  globalPosition?: string;
  duplicate?: boolean;
}

export function createArticlesCommands(address: string, deadlineMs = 5_000): ArticlesCommands {
  const client = new ArticlesService(address, grpc.credentials.createInsecure());
  const send = (method: string) => (request: object) =>
    new Promise<CommandResult>((resolve, reject) => {
      const fn = client[method] as (
        req: object,
        options: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res: WireCommandResult) => void,
      ) => void;
      fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) return reject(err);
        resolve({
          streamId: res.streamId ?? '',
          streamVersion: Number(res.streamVersion ?? 0),
          globalPosition: Number(res.globalPosition ?? 0),
          duplicate: res.duplicate ?? false,
        });
      });
    });
  return {
    draftArticle: send('draftArticle'),
    reviseArticle: send('reviseArticle'),
    publishArticle: send('publishArticle'),
    retractArticle: send('retractArticle'),
    registerAuthor: send('registerAuthor'),
    renameAuthor: send('renameAuthor'),
    close: () => client.close(),
  };
}
