const EVERY_MS = 2_000;

/** Polls /explorer/positions while the page is visible. */
export function pollPositions({ body, note }) {
  const refresh = async () => {
    if (document.hidden) return;
    try {
      const res = await fetch('/explorer/positions', { headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`graph answered ${res.status}`);
      render(body, await res.json());
      note.textContent = `Checked at ${new Date().toLocaleTimeString()}.`;
    } catch (err) {
      note.textContent = `Could not check the positions: ${err.message}`;
    }
  };
  void refresh();
  setInterval(() => void refresh(), EVERY_MS);
  document.addEventListener('visibilitychange', () => void refresh());
}

function render(body, { head, services }) {
  const rows = [{ service: 'articles (head)', position: head }, ...services].map((s) => {
    const tr = document.createElement('tr');
    tr.dataset.service = s.service;
    const behind = head === null || s.position === null ? '—' : String(head - s.position);
    const position =
      s.position === null ? `unknown (${s.problem ?? 'not reported'})` : String(s.position);
    tr.append(header(s.service), cell(position, 'number'), cell(behind, 'number'));
    return tr;
  });
  body.replaceChildren(...rows);
}

function header(text) {
  const th = document.createElement('th');
  th.scope = 'row';
  th.textContent = text;
  return th;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  return td;
}
