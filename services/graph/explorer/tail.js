import { query, subscribe } from './graphql.js';

/** A busy log must not grow the page without bound. */
export const MAX_ROWS = 500;
const PAGE = 100;
/** New events are announced to screen readers at most this often. */
const ANNOUNCE_EVERY_MS = 10_000;

const FIELDS = 'position type stream recordedAt payload';
const ARTICLE_STREAM = 'article-';

/** The article whose stream this is, if it is an article's. */
export const articleIdOf = (stream) =>
  stream.startsWith(ARTICLE_STREAM) ? stream.slice(ARTICLE_STREAM.length) : undefined;
const EVENTS = `query Events($first: Int, $before: Int, $type: String, $stream: String) {
  events(first: $first, before: $before, type: $type, stream: $stream) { ${FIELDS} }
}`;
const APPENDED = `subscription Appended($type: String, $stream: String) {
  eventAppended(type: $type, stream: $stream) { ${FIELDS} }
}`;

/**
 * The log's newest events, newest first, kept live by `eventAppended`. `articleHref(stream)`
 * links an article's stream; `onEvent` hears each live event.
 */
export function createTail({ body, status, error, older }, { articleHref, onEvent }) {
  const shown = new Set();
  let filters = {};
  let paused = false;
  let stop = () => {};
  let generation = 0;
  let unannounced = 0;
  let announcing;

  const say = (text) => {
    clearTimeout(announcing);
    announcing = undefined;
    unannounced = 0;
    status.textContent = text;
  };
  const announceLater = () => {
    unannounced++;
    announcing ??= setTimeout(() => {
      say(`Live: ${unannounced} new ${unannounced === 1 ? 'event' : 'events'}.`);
    }, ANNOUNCE_EVERY_MS);
  };

  const add = (event) => {
    if (shown.has(event.position)) return;
    let next = body.firstElementChild;
    while (next && Number(next.dataset.position) > event.position) next = next.nextElementSibling;
    body.insertBefore(row(event, articleHref), next);
    shown.add(event.position);
    while (body.rows.length > MAX_ROWS) {
      shown.delete(Number(body.lastElementChild.dataset.position));
      body.lastElementChild.remove();
    }
    older.disabled = body.rows.length >= MAX_ROWS;
  };

  const load = async (before) => {
    const asked = generation;
    try {
      const { events } = await query(EVENTS, { first: PAGE, before, ...filters });
      if (asked !== generation) return;
      error.textContent = '';
      events.forEach(add);
      older.disabled = events.length < PAGE || body.rows.length >= MAX_ROWS;
    } catch (err) {
      if (asked === generation) error.textContent = `Could not load events: ${err.message}`;
    }
  };

  const onStatus = (state, detail) => {
    if (state === 'connecting') say('Connecting…');
    if (state === 'live') {
      say('Live: new events appear at the top.');
      void load();
    }
    if (state === 'retrying') say(`Connection lost; retrying in ${Math.round(detail / 1000)} s.`);
    if (state === 'failed') error.textContent = `Live updates failed: ${detail}`;
  };

  const restart = () => {
    generation++;
    stop();
    stop = () => {};
    body.replaceChildren();
    shown.clear();
    error.textContent = '';
    void load();
    if (paused) {
      say('Paused: new events are not shown.');
      return;
    }
    const subscribed = generation;
    stop = subscribe(APPENDED, filters, {
      onStatus: (state, detail) => subscribed === generation && onStatus(state, detail),
      onData: ({ eventAppended }) => {
        if (subscribed !== generation) return;
        add(eventAppended);
        announceLater();
        onEvent(eventAppended);
      },
    });
  };

  older.addEventListener('click', () => {
    const oldest = body.lastElementChild;
    if (oldest) void load(Number(oldest.dataset.position));
  });

  return {
    filter(type, stream) {
      filters = { ...(type && { type }), ...(stream && { stream }) };
      restart();
    },
    pause(on) {
      paused = on;
      restart();
    },
  };
}

function row(event, articleHref) {
  const tr = document.createElement('tr');
  tr.dataset.position = String(event.position);
  tr.append(
    cell(String(event.position), 'number'),
    cell(event.type),
    articleIdOf(event.stream) === undefined
      ? cell(event.stream)
      : linkCell(event.stream, articleHref(articleIdOf(event.stream))),
    timeCell(event.recordedAt),
  );
  return tr;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function linkCell(text, href) {
  const td = document.createElement('td');
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  td.append(a);
  return td;
}

function timeCell(iso) {
  const td = document.createElement('td');
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = localTime(iso);
  td.append(time);
  return td;
}

export function localTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}
