import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '@fairflax/publishing-api';
import { afterEach, describe, expect, it } from 'vitest';
import { importArchive } from './article-import.js';

const proto = loadProto(
  fileURLToPath(new URL('../../../proto/article-import.proto', import.meta.url)),
) as unknown as {
  fairflax: { publishing: { v1: { ArticleImport: grpc.ServiceClientConstructor } } };
};

type WireRecord = { line?: string; commandId?: string };

/** A stand-in ArticleImport: stores nothing, rejects records without a title, notes each call. */
async function fakeImport(failOnCall?: number) {
  const calls: WireRecord[][] = [];
  const server = new grpc.Server();
  server.addService(proto.fairflax.publishing.v1.ArticleImport.service, {
    ImportArticles: ((call, callback) => {
      const records: WireRecord[] = [];
      calls.push(records);
      call.on('data', (record: WireRecord & { title?: string }) => records.push(record));
      call.on('end', () => {
        if (calls.length === failOnCall) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'refused' }, null);
          return;
        }
        const bad = records.filter((r) => !('title' in r) || !r.title);
        callback(null, {
          received: String(records.length),
          imported: String(records.length - bad.length),
          rejected: String(bad.length),
          rejections: bad.map((r) => ({
            line: r.line,
            code: 'INVALID_ARGUMENT',
            field: 'title',
            reason: 'title is required',
          })),
          events: String(records.length - bad.length),
          lastPosition: String(10 * calls.length),
        });
      });
    }) as grpc.handleClientStreamingCall<WireRecord, unknown>,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  stops.push(() => server.forceShutdown());
  return { calls, address: `127.0.0.1:${port}` };
}

const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

const line = (n: number, title = `T${n}`) =>
  JSON.stringify({ command_id: `c${n}`, author_id: 'a', title, body: 'B', category: 'x' });
const archive = (lines: string[]) => [Buffer.from(lines.join('\n') + '\n')];

describe('importArchive', () => {
  it('splits the archive over calls of recordsPerCall and adds up their summaries', async () => {
    const { calls, address } = await fakeImport();
    const result = await importArchive({
      address,
      recordsPerCall: 2,
      input: archive([line(1), line(2), '{oops', line(4, ''), line(5)]),
    });
    expect(calls.map((records) => records.map((r) => r.line))).toEqual([
      ['1', '2'],
      ['4', '5'],
    ]);
    expect(result).toEqual({
      lines: 5,
      imported: 3,
      duplicates: 0,
      rejected: 2,
      rejections: [
        expect.objectContaining({ line: 3, field: '' }),
        { line: 4, code: 'INVALID_ARGUMENT', field: 'title', reason: 'title is required' },
      ],
      events: 3,
      lastPosition: 20,
    });
  });

  it('stops at a call the service refuses, with its status', async () => {
    const { calls, address } = await fakeImport(2);
    await expect(
      importArchive({
        address,
        recordsPerCall: 1,
        input: archive([line(1), line(2), line(3)]),
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'refused' });
    expect(calls).toHaveLength(2);
  });
});
