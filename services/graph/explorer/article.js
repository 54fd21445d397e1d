import { query } from './graphql.js';
import { articleIdOf, localTime } from './tail.js';

const HISTORY = 100;
const ARTICLE = `query Article($id: ID!, $asOf: Int) {
  now: article(id: $id) { history(first: ${HISTORY}) { position type recordedAt payload } }
  then: article(id: $id, asOf: $asOf) {
    title category status version created modified publishedAt author { id name } body
  }
}`;
const STATE_FIELDS = [
  ['Title', (a) => a.title],
  ['Category', (a) => a.category],
  ['Status', (a) => a.status],
  ['Version', (a) => String(a.version)],
  ['Author', (a) => `${a.author.name} (${a.author.id})`],
  ['Created', (a) => localTime(a.created)],
  ['Modified', (a) => localTime(a.modified)],
  ['Published at', (a) => (a.publishedAt ? localTime(a.publishedAt) : '—')],
  ['Body', (a) => a.body],
];

/**
 * The article panel: the stream's timeline, its state once graph had applied the log up to the
 * chosen position (its latest without one), and the event at that position.
 */
export function createArticlePanel(els, { positionHref }) {
  const { section, heading, error, timeline, stateHeading, state, payload } = els;
  let shown = { id: '', at: undefined, last: 0 };

  const item = (id, event, current) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = positionHref(id, event.position);
    a.textContent = `${event.position} · ${event.type}`;
    if (current) a.setAttribute('aria-current', 'true');
    li.append(a, ` ${localTime(event.recordedAt)}`);
    return li;
  };

  return {
    async show(id, at) {
      const opened = shown.id !== id;
      shown = { id, at, last: shown.last };
      section.hidden = false;
      heading.textContent = `Article ${id}`;
      if (opened) heading.focus();
      try {
        const { now, then } = await query(ARTICLE, { id, asOf: at ?? null });
        if (shown.id !== id || shown.at !== at) return;
        error.textContent = now ? '' : `No article has the id ${id}.`;
        const history = now?.history ?? [];
        const position = at ?? history.at(-1)?.position;
        shown.last = history.at(-1)?.position ?? 0;
        timeline.replaceChildren(...history.map((e) => item(id, e, e.position === position)));
        stateHeading.textContent =
          position === undefined ? 'State' : `State at position ${position}`;
        state.replaceChildren(...(then ? definitions(then) : []));
        if (!then) state.append(...definition('State', 'it did not exist yet'));
        const event = history.find((e) => e.position === position);
        payload.textContent = event ? pretty(event.payload) : '';
      } catch (err) {
        error.textContent = `Could not load article ${id}: ${err.message}`;
      }
    },
    hide() {
      shown = { id: '', at: undefined, last: 0 };
      section.hidden = true;
    },
    /** A live event of the shown article joins its timeline (and its state, when at its latest). */
    onEvent(event) {
      if (articleIdOf(event.stream) !== shown.id || event.position <= shown.last) return;
      if (shown.at === undefined) void this.show(shown.id, undefined);
      else timeline.append(item(shown.id, event, false));
      shown.last = event.position;
    },
  };
}

function definitions(article) {
  return STATE_FIELDS.flatMap(([term, value]) => definition(term, value(article)));
}

function definition(term, text) {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = text;
  return [dt, dd];
}

function pretty(json) {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
