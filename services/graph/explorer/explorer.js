import { createArticlePanel } from './article.js';
import { pollPositions } from './positions.js';
import { createTail } from './tail.js';

/** The page's state lives in the URL's fragment: #type=…&stream=…&article=…&at=… */
const byId = (id) => document.getElementById(id);

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const at = Number(params.get('at'));
  return {
    type: params.get('type') ?? '',
    stream: params.get('stream') ?? '',
    article: params.get('article') ?? '',
    at: params.has('at') && Number.isSafeInteger(at) ? at : undefined,
  };
}

function hashWith(changes) {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  return `#${params}`;
}

const article = createArticlePanel(
  {
    section: byId('article'),
    heading: byId('article-heading'),
    error: byId('article-error'),
    timeline: byId('timeline'),
    stateHeading: byId('state-heading'),
    state: byId('state'),
    payload: byId('payload'),
  },
  { positionHref: (id, at) => hashWith({ article: id, at }) },
);

const tail = createTail(
  {
    body: byId('tail-body'),
    status: byId('tail-status'),
    error: byId('tail-error'),
    older: byId('older'),
  },
  {
    articleHref: (id) => hashWith({ article: id, at: undefined }),
    onEvent: (event) => article.onEvent(event),
  },
);

const form = byId('filters');
let current = { type: undefined, stream: undefined };

function applyHash() {
  const state = readHash();
  if (state.type !== current.type || state.stream !== current.stream) {
    current = { type: state.type, stream: state.stream };
    form.elements.type.value = state.type;
    form.elements.stream.value = state.stream;
    tail.filter(state.type, state.stream);
  }
  if (state.article) void article.show(state.article, state.at);
  else article.hide();
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  location.hash = hashWith({
    type: form.elements.type.value.trim(),
    stream: form.elements.stream.value.trim(),
  });
});
form.addEventListener('reset', () => {
  location.hash = hashWith({ type: undefined, stream: undefined });
});
byId('pause').addEventListener('change', (e) => tail.pause(e.target.checked));
window.addEventListener('hashchange', applyHash);

applyHash();
pollPositions({ body: byId('positions-body'), note: byId('positions-note') });
