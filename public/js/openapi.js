// openapi.html: /openapi.json as a readable list of operations (no third-party renderer, no inline script).
import { $, api, el, say } from './common.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

main();

async function main() {
  let doc;
  try {
    doc = await api('/openapi.json');
  } catch (err) {
    return say($('#message'), err.message, 'error', 'The API description could not be loaded.');
  }
  $('#api-title').textContent = `${doc.info?.title ?? 'API'} ${doc.info?.version ? `(${doc.info.version})` : ''}`;
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS.filter((m) => item[m])) {
      const op = item[method];
      const tag = op.tags?.[0] ?? 'Other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push({ path, method, op });
    }
  }
  $('#operations').replaceChildren(
    ...[...groups].map(([tag, ops]) => el('section', { class: 'card' },
      el('h2', {}, tag),
      el('ul', { class: 'records' }, ...ops.map(operation)))),
  );
}

function operation({ path, method, op }) {
  const params = (op.parameters ?? []).map((p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`);
  const responses = Object.entries(op.responses ?? {}).map(([status, r]) => `${status} ${r.description ?? ''}`.trim());
  return el('li', { class: 'record' },
    el('div', { class: 'top' }, el('strong', { class: 'mono' }, `${method.toUpperCase()} ${path}`)),
    op.summary && el('div', { class: 'line' }, op.summary),
    op.description && el('details', {}, el('summary', {}, 'Details'), el('p', { class: 'small' }, op.description)),
    params.length > 0 && el('div', { class: 'line small' }, `Parameters: ${params.join(', ')}`),
    responses.length > 0 && el('div', { class: 'line small muted' }, `Responses: ${responses.join(' · ')}`));
}
