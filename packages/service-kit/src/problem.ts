/** RFC 9457 problem details, the body every 4xx/5xx of our HTTP services carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

interface ReplyLike {
  code(statusCode: number): ReplyLike;
  type(contentType: string): ReplyLike;
  send(payload: unknown): unknown;
}

export function sendProblem(reply: ReplyLike, status: number, title: string, detail?: string) {
  const body: Problem = { type: 'about:blank', title, status, ...(detail !== undefined && { detail }) };
  return reply.code(status).type('application/problem+json').send(body);
}
