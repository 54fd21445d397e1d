'use strict';
// graph's search index, on a thread of its own so that indexing runs beside the projection.
// Messages are handled in the order they were posted: a search sees every update sent before it.
const { parentPort } = require('node:worker_threads');
const { Document } = require('flexsearch');

/** Fields in rank order: a hit in an earlier field outranks any hit in a later one. */
const FIELDS = ['title', 'body'];

const newIndex = () =>
  new Document({
    // A reverse map makes updates cheap; on the Document, as per field it fails in 0.8.
    fastupdate: true,
    document: {
      id: 'id',
      index: [
        // Word prefixes in titles: "elect" finds "election" as the reader types.
        { field: 'title', tokenize: 'forward' },
        // Whole words in bodies: every prefix of every body word costs five times the time
        // and the memory.
        { field: 'body', tokenize: 'strict' },
      ],
    },
  });

/** One index per ArticleSearch of the parent, by its number; created on first use. */
const indexes = new Map();
const indexNumbered = (n) => {
  let index = indexes.get(n);
  if (!index) indexes.set(n, (index = newIndex()));
  return index;
};

/** Title matches first, then body-only matches; also documents matching only some words. */
function search(index, text, count) {
  const results = index.search(text, { limit: count, suggest: true });
  const ranked = new Set();
  for (const field of FIELDS) {
    const hits = results.find((r) => r.field === field);
    for (const id of hits ? hits.result : []) ranked.add(String(id));
  }
  return [...ranked].slice(0, count);
}

parentPort.on('message', (message) => {
  switch (message.kind) {
    case 'reset':
    case 'drop':
      indexes.delete(message.index);
      return;
    case 'update': {
      const index = indexNumbered(message.index);
      for (const id of message.remove) index.remove(id);
      for (const doc of message.upsert) index.update(doc);
      return;
    }
    case 'search':
      try {
        const index = indexNumbered(message.index);
        parentPort.postMessage({ id: message.id, ids: search(index, message.text, message.count) });
      } catch (err) {
        parentPort.postMessage({ id: message.id, error: String(err && err.message) });
      }
      return;
    case 'settled':
      parentPort.postMessage({ id: message.id, ids: [] });
      return;
  }
});
