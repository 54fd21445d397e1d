/** GraphQL over HTTP, and subscriptions over graphql-transport-ws, on this page's origin. */

const PATH = '/graphql';
const MAX_RETRY_MS = 15_000;

export async function query(document, variables = {}) {
  const res = await fetch(PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: document, variables }),
  });
  const body = await res.json().catch(() => ({}));
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  if (!res.ok || !body.data) throw new Error(`graph answered ${res.status}`);
  return body.data;
}

/**
 * Runs one subscription on its own socket until the returned function is called, reopening the
 * socket with backoff when it drops. `onStatus` hears 'connecting', 'live' (again after every
 * reconnect: events may have been missed meanwhile), 'retrying' (with the delay in ms) and
 * 'failed' (with the server's message; no retry).
 */
export function subscribe(document, variables, { onData, onStatus }) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${PATH}`;
  let socket;
  let retries = 0;
  let timer;
  let stopped = false;
  const send = (message) => socket.send(JSON.stringify(message));

  const open = () => {
    onStatus('connecting');
    socket = new WebSocket(url, 'graphql-transport-ws');
    socket.addEventListener('open', () => send({ type: 'connection_init', payload: {} }));
    socket.addEventListener('message', ({ data }) => {
      const message = JSON.parse(data);
      switch (message.type) {
        case 'connection_ack':
          retries = 0;
          send({ id: '1', type: 'subscribe', payload: { query: document, variables } });
          onStatus('live');
          break;
        case 'next':
          if (message.payload.errors?.length) onStatus('failed', messages(message.payload.errors));
          else onData(message.payload.data);
          break;
        case 'error':
          onStatus('failed', messages(message.payload));
          break;
        case 'ping':
          send({ type: 'pong' });
          break;
      }
    });
    socket.addEventListener('close', () => {
      if (stopped) return;
      const delay = Math.min(1_000 * 2 ** retries++, MAX_RETRY_MS);
      onStatus('retrying', delay);
      timer = setTimeout(open, delay);
    });
  };

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket.close(1000);
  };
}

const messages = (errors) =>
  Array.isArray(errors) ? errors.map((e) => e.message).join('; ') : 'the subscription failed';
