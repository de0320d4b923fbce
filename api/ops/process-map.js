// The live process map: the BPMN model drawn with bpmn-js, and on every step the open cases waiting
// there, how many are in warning and how many overdue, from Jiesu's read model. Click a step to list them.
(function () {
  const script = document.currentScript;
  const processKey = script.dataset.process;
  const temporalUi = script.dataset.temporalUi;
  const namespace = script.dataset.namespace;
  const keyInput = document.getElementById('api-key');
  const status = document.getElementById('status');
  const viewer = new window.BpmnJS({ container: '#canvas' });
  let apiKey = window.localStorage.getItem('jiesu.apiKey') || '';
  keyInput.value = apiKey;

  const api = async (path) => {
    const response = await fetch(path, { headers: { authorization: 'Bearer ' + apiKey } });
    if (!response.ok) throw new Error(path + ': ' + response.status);
    return response.json();
  };
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  };

  async function showCases(step) {
    const page = await api('/v1/complaints?open=true&limit=200&processKey=' + encodeURIComponent(processKey) + '&step=' + encodeURIComponent(step));
    const section = document.getElementById('cases');
    section.hidden = false;
    document.getElementById('cases-title').textContent = 'Waiting in ' + step + ' (' + page.items.length + ')';
    const body = document.getElementById('case-rows');
    body.replaceChildren();
    for (const item of page.items) {
      const row = el('tr', { 'data-case': item.caseNo });
      const caseCell = el('td');
      caseCell.append(el('a', { href: '/v1/complaints/' + encodeURIComponent(item.caseNo) }, item.caseNo));
      const uiCell = el('td');
      uiCell.append(el('a', { href: temporalUi + '/namespaces/' + encodeURIComponent(namespace) + '/workflows/complaint-' + encodeURIComponent(item.caseNo), target: '_blank' }, 'Temporal UI'));
      row.append(caseCell, el('td', {}, item.status), el('td', {}, item.unitId || ''), el('td', {}, item.deadline || ''), el('td', {}, item.overdue ? 'overdue' : item.warning ? 'warning' : ''), uiCell);
      body.append(row);
    }
  }

  async function load() {
    status.textContent = 'Loading…';
    const versions = (await api('/v1/process-definitions')).filter((d) => d.key === processKey);
    const wanted = Number(new URLSearchParams(window.location.search).get('version')) || (versions[0] && versions[0].version);
    if (!wanted) throw new Error('No process ' + processKey);
    const definition = await api('/v1/process-definitions/' + encodeURIComponent(processKey) + '/' + wanted);
    if (!definition.source) throw new Error(processKey + ' v' + wanted + ' has no BPMN source to draw');
    await viewer.importXML(definition.source);
    viewer.get('canvas').zoom('fit-viewport');
    const heat = await api('/v1/process-definitions/' + encodeURIComponent(processKey) + '/heatmap');
    const overlays = viewer.get('overlays');
    const registry = viewer.get('elementRegistry');
    overlays.clear();
    for (const step of heat.steps) {
      if (!registry.get(step.step)) continue;
      const badge = el('div', {
        class: 'jiesu-count' + (step.overdue > 0 ? ' hot' : step.warning > 0 ? ' warm' : ''),
        'data-step': step.step,
        'data-open': String(step.open),
        'data-warning': String(step.warning),
        'data-overdue': String(step.overdue),
        title: 'Click to list the cases',
      }, step.open + ' open · ' + step.warning + ' warning · ' + step.overdue + ' overdue');
      badge.addEventListener('click', () => showCases(step.step).catch(fail));
      overlays.add(step.step, { position: { top: -14, right: 20 }, html: badge });
    }
    viewer.get('eventBus').on('element.click', (event) => {
      if (event.element.type === 'bpmn:UserTask') showCases(event.element.id).catch(fail);
    });
    status.textContent = processKey + ' v' + wanted + ' · ' + heat.steps.reduce((n, s) => n + s.open, 0) + ' open cases';
    document.body.dataset.ready = 'true';
  }
  function fail(error) {
    status.textContent = error.message;
    document.body.dataset.error = error.message;
  }
  document.getElementById('connect').addEventListener('click', () => {
    apiKey = keyInput.value.trim();
    window.localStorage.setItem('jiesu.apiKey', apiKey);
    load().catch(fail);
  });
  if (apiKey) load().catch(fail);
})();
