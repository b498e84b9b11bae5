// The Kiln console: every page fetches what it shows from the API with the token given on the login page, kept in
// this tab's sessionStorage. No framework: the DOM, fetch and Chart.js (a webjar served by the gateway).
'use strict';

const TOKEN_KEY = 'kiln.token';
// A login with the identity provider in progress (state, code verifier, endpoints, the page wanted), and after it
// what logging out needs to end the provider's session too.
const LOGIN_KEY = 'kiln.oidc-login';
const LOGOUT_KEY = 'kiln.oidc-logout';
// Pages that need no token.
const OPEN_PAGES = new Set(['login', 'callback']);
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'COMPLETED']);
const body = document.body;
const inferenceUrl = (body.dataset.inference || '').replace(/\/$/, '');

// ---- API access -------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function toLogin() {
  location.assign('/console/login?next=' + encodeURIComponent(location.pathname + location.search));
}

/** fetch with the token; a 401 sends the user to the login page, any other failure becomes an ApiError. */
async function request(url, options = {}) {
  const headers = Object.assign({Authorization: 'Bearer ' + token()}, options.headers || {});
  const response = await fetch(url, Object.assign({}, options, {headers}));
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    toLogin();
    throw new ApiError(401, 'not logged in');
  }
  if (!response.ok) {
    let message = response.status + ' ' + response.statusText;
    try {
      const problem = await response.json();
      message = problem.detail || problem.title || message;
      if (problem.errors) {
        message += ': ' + problem.errors.map(e => e.field + ' ' + e.message).join('; ');
      }
    } catch (ignored) {
      // not a problem document: the status says it
    }
    throw new ApiError(response.status, message);
  }
  return response;
}

async function api(path) {
  return (await request(path)).json();
}

async function inference(path, options) {
  return (await request(inferenceUrl + path, options)).json();
}

/** An image the API serves (it needs the token, so no plain img src): an object URL for it. */
async function imageUrl(path) {
  return URL.createObjectURL(await (await request(path)).blob());
}

/**
 * Follows a Server-Sent Events stream read with fetch (EventSource cannot send the token), calling onEvent(name,
 * data) per event; resolves when the server ends the stream.
 */
async function follow(path, onEvent, signal) {
  const response = await request(path, {headers: {Accept: 'text/event-stream'}, signal});
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) {
      return;
    }
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? '' : line.slice(colon + 1);
        if (text.startsWith(' ')) {
          text = text.slice(1);
        }
        if (field === 'event') {
          name = text;
        } else if (field === 'data') {
          data.push(text);
        }
      }
      if (data.length) {
        onEvent(name, JSON.parse(data.join('\n')));
      }
    }
  }
}

// ---- Small DOM helpers ------------------------------------------------------------------------------------------

function $(selector) {
  return document.querySelector(selector);
}

/** An element with attributes (class, text, on<event> handlers, anything else as an attribute) and children. */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === 'text') {
      element.textContent = value;
    } else if (key.startsWith('on')) {
      element.addEventListener(key.slice(2), value);
    } else {
      element.setAttribute(key, value === true ? '' : value);
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/**
 * Replaces a table body's (or list's) rows. Pages refresh their tables every few seconds: a keyboard user's focus in
 * a row moves to the same control of the same row (its data-key, else its first cell's text) in the new rows.
 */
function fill(tbody, rows) {
  const keyOf = row => row.dataset.key || (row.firstElementChild ? row.firstElementChild.textContent : '');
  const controls = row => [...row.querySelectorAll('a, button, input, select')];
  const active = document.activeElement;
  const row = active && tbody.contains(active) ? active.closest('tr, li') : null;
  const focus = row ? {key: keyOf(row), index: controls(row).indexOf(active)} : null;
  tbody.replaceChildren(...rows);
  const again = focus ? rows.find(r => keyOf(r) === focus.key) : null;
  if (again && controls(again)[focus.index]) {
    controls(again)[focus.index].focus();
  }
}

function showProblem(error) {
  const box = $('#problem');
  box.textContent = error instanceof ApiError ? error.message : String(error);
  box.hidden = false;
}

function clearProblem() {
  $('#problem').hidden = true;
}

function percent(value, digits = 1) {
  return value === null || value === undefined ? '–' : (value * 100).toFixed(digits) + ' %';
}

function number(value, digits = 4) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(digits);
}

function when(instant) {
  return instant ? new Date(instant).toLocaleString() : '–';
}

function shortId(id) {
  return id ? id.slice(0, 8) : '';
}

function facts(dl, pairs) {
  dl.replaceChildren(...pairs.filter(([, value]) => value !== undefined && value !== null && value !== '')
      .flatMap(([term, value]) => [el('dt', {text: term}), el('dd', {}, value)]));
}

function statusBadge(status) {
  return el('span', {class: 'status status-' + String(status).toLowerCase(), text: status});
}

/** Runs work every `ms` while `keepGoing()` holds, never two at once; errors are shown, not thrown. */
function every(ms, work, keepGoing = () => true) {
  const tick = async () => {
    try {
      await work();
      clearProblem();
    } catch (error) {
      showProblem(error);
    }
    if (keepGoing()) {
      setTimeout(tick, ms);
    }
  };
  tick();
}

// ---- Charts -----------------------------------------------------------------------------------------------------

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563',
  '#65a30d'];

/** A line chart over epochs; series: [{label, color?, dashed?}]. Animation off: live updates stay cheap. */
function lineChart(canvas, series, yTitle, options = {}) {
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: series.map((s, i) => ({
        label: s.label, data: [], borderColor: s.color || PALETTE[i % PALETTE.length],
        backgroundColor: s.color || PALETTE[i % PALETTE.length], borderDash: s.dashed ? [6, 4] : undefined,
        pointRadius: 2, tension: 0, parsing: false,
      })),
    },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      scales: {
        x: {type: 'linear', title: {display: true, text: 'epoch'}, ticks: {precision: 0}},
        y: {type: options.logarithmic ? 'logarithmic' : 'linear', title: {display: true, text: yTitle}},
      },
      plugins: {legend: {position: 'bottom'}},
    },
  });
}

// ---- Pages ------------------------------------------------------------------------------------------------------

const pages = {};

/** The page the user wanted (?next=), or the runs list: never a page elsewhere. */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/console/') ? next : '/console/runs';
}

/** Whether the API takes the token: null if so, else the problem to show. */
async function refusal(given) {
  const response = await fetch('/api/v1/runs?limit=1', {headers: {Authorization: 'Bearer ' + given}});
  if (response.ok) {
    return null;
  }
  return new ApiError(response.status, {
    401: 'The API refused this token (401): check it and paste it again.',
    403: 'The API knows this token but gives it no Kiln role (403): ask for viewer, member, maintainer or admin.',
  }[response.status] || 'The API answered ' + response.status + ' to a list of runs with this token.');
}

pages.login = () => {
  $('#login-form').addEventListener('submit', async event => {
    event.preventDefault();
    const given = $('#token').value.trim();
    const problem = await refusal(given);
    if (problem) {
      showProblem(problem);
      $('#token').focus();
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, given);
    location.assign(nextPage());
  });
  const idp = $('#idp-login');
  if (idp) {
    oidcLogin(idp);
  } else {
    $('#token').focus();
  }
};

// ---- Logging in with the identity provider ----------------------------------------------------------------------
// OpenID Connect's authorization code flow with PKCE, as a public client: this script is the client. The code comes
// back to /console/login/callback and only this tab, holding the code verifier, can exchange it for a token.

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_')
      .replace(/=+$/, '');
}

function randomText() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

function callbackUrl() {
  return location.origin + '/console/login/callback';
}

function oidcLogin(section) {
  const button = $('#idp-login-button');
  // The S256 challenge needs crypto.subtle, which browsers offer only to secure contexts (https, or localhost).
  if (!window.isSecureContext || !crypto.subtle) {
    button.disabled = true;
    const note = $('#idp-unavailable');
    note.textContent = 'Your browser allows this login only on https or on localhost, and this page is at '
        + location.origin + '. Paste a token below instead.';
    note.hidden = false;
    $('#token').focus();
    return;
  }
  button.focus();
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const issuer = section.dataset.issuer;
      const response = await fetch(issuer + '/.well-known/openid-configuration').catch(() => null);
      if (!response || !response.ok) {
        throw new ApiError(response ? response.status : 0, 'The identity provider at ' + issuer + ' did not answer'
            + (response ? ' (' + response.status + ')' : '') + ': try again later, or paste a token.');
      }
      const provider = await response.json();
      const verifier = randomText();
      const state = randomText();
      const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
      sessionStorage.setItem(LOGIN_KEY, JSON.stringify({state, verifier, client: section.dataset.client,
        issuer: provider.issuer, tokenEndpoint: provider.token_endpoint, endSession: provider.end_session_endpoint,
        next: nextPage()}));
      const url = new URL(provider.authorization_endpoint);
      for (const [name, value] of Object.entries({response_type: 'code', client_id: section.dataset.client,
        redirect_uri: callbackUrl(), scope: 'openid', state, code_challenge: challenge,
        code_challenge_method: 'S256'})) {
        url.searchParams.set(name, value);
      }
      location.assign(url);
    } catch (error) {
      showProblem(error);
      button.disabled = false;
    }
  });
}

pages.callback = async () => {
  const answer = new URLSearchParams(location.search);
  const login = JSON.parse(sessionStorage.getItem(LOGIN_KEY) || 'null');
  // Each login's state and verifier serve once; the code leaves the address bar and the history.
  sessionStorage.removeItem(LOGIN_KEY);
  history.replaceState(null, '', location.pathname);
  try {
    if (answer.has('error')) {
      throw new ApiError(0, answer.get('error') === 'access_denied'
          ? 'The identity provider did not log you in (access denied).'
          : 'The identity provider answered ' + answer.get('error') + (answer.has('error_description')
              ? ': ' + answer.get('error_description') : '') + '.');
    }
    if (!login || !answer.get('state') || answer.get('state') !== login.state) {
      // Not the answer to a login this tab started (or started twice): never exchange such a code.
      throw new ApiError(0, 'This answer does not belong to a login started in this tab (its state differs):'
          + ' log in again.');
    }
    if (answer.has('iss') && answer.get('iss') !== login.issuer) {
      // RFC 9207: a code from another issuer than the one asked must not go to this one's token endpoint.
      throw new ApiError(0, 'This answer comes from ' + answer.get('iss') + ', not from the identity provider asked ('
          + login.issuer + '): log in again.');
    }
    const response = await fetch(login.tokenEndpoint, {method: 'POST', body: new URLSearchParams({
      grant_type: 'authorization_code', code: answer.get('code') || '', redirect_uri: callbackUrl(),
      client_id: login.client, code_verifier: login.verifier})}).catch(() => null);
    const tokens = response ? await response.json().catch(() => ({})) : {};
    if (!response || !response.ok || !tokens.access_token) {
      throw new ApiError(response ? response.status : 0, response
          ? 'The identity provider would not exchange the code for a token (' + response.status
            + (tokens.error ? ' ' + tokens.error : '') + (tokens.error_description ? ': ' + tokens.error_description
              : '') + '): log in again.'
          : 'The identity provider\'s token endpoint could not be reached (does it allow this console\'s origin, '
            + location.origin + '?).');
    }
    const problem = await refusal(tokens.access_token);
    if (problem) {
      throw new ApiError(problem.status, problem.status === 401
          ? 'The API does not accept this identity provider\'s tokens (401): it trusts another issuer.'
          : problem.message);
    }
    sessionStorage.setItem(TOKEN_KEY, tokens.access_token);
    if (login.endSession && tokens.id_token) {
      sessionStorage.setItem(LOGOUT_KEY, JSON.stringify({endpoint: login.endSession, idToken: tokens.id_token}));
    }
    location.replace(login.next);
  } catch (error) {
    $('#callback-status').textContent = 'You are not logged in.';
    $('#callback-back').hidden = false;
    showProblem(error);
  }
};

/** Forgets the token; after a login with the identity provider, ends its session there too and comes back. */
function logOut() {
  const provider = JSON.parse(sessionStorage.getItem(LOGOUT_KEY) || 'null');
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(LOGOUT_KEY);
  if (!provider) {
    location.assign('/console/login');
    return;
  }
  const url = new URL(provider.endpoint);
  url.searchParams.set('id_token_hint', provider.idToken);
  url.searchParams.set('post_logout_redirect_uri', location.origin + '/console/login');
  location.assign(url);
}

pages.runs = () => {
  const selected = new Set();
  const compare = $('#compare-selected');
  compare.addEventListener('click', () => location.assign('/console/compare?runs=' + [...selected].join(',')));
  const filters = $('#run-filters');
  let runs = [];
  const render = () => {
    const text = $('#filter-text').value.trim().toLowerCase();
    const shown = runs.filter(run => !text || [run.id, run.spec.model, run.spec.dataset, run.registeredModel,
      run.experiment].some(v => v && String(v).toLowerCase().includes(text)));
    fill($('#runs-table tbody'), shown.map(run => el('tr', {'data-run-id': run.id, 'data-key': run.id},
        el('td', {}, el('input', {
          type: 'checkbox', 'aria-label': 'Select run ' + shortId(run.id) + ' to compare',
          checked: selected.has(run.id), onchange: e => {
            e.target.checked ? selected.add(run.id) : selected.delete(run.id);
            compare.disabled = selected.size < 2;
          },
        })),
        el('td', {}, el('a', {href: '/console/runs/' + run.id, text: shortId(run.id)})),
        el('td', {}, statusBadge(run.status)),
        el('td', {text: run.spec.model}),
        el('td', {text: run.spec.dataset}),
        el('td', {text: run.epochsDone + ' / ' + run.spec.epochs}),
        el('td', {text: run.result ? percent(run.result.accuracy, 2) : '–'}),
        el('td', {}, run.registeredModel ? el('a', {href: '/console/models/' + encodeURIComponent(run.registeredModel),
          text: run.registeredModel}) : '–'),
        el('td', {text: run.experiment || '–'}),
        el('td', {text: when(run.createdAt)}))));
  };
  const load = async () => {
    const query = new URLSearchParams({limit: '200'});
    if ($('#filter-status').value) {
      query.set('status', $('#filter-status').value);
    }
    if ($('#filter-experiment').value.trim()) {
      query.set('experiment', $('#filter-experiment').value.trim());
    }
    runs = await api('/api/v1/runs?' + query);
    render();
    $('#runs-live').textContent = runs.length + ' runs; refreshed every 3 seconds, last at '
        + new Date().toLocaleTimeString() + '.';
  };
  filters.addEventListener('change', () => load().catch(showProblem));
  $('#filter-text').addEventListener('input', render);
  filters.addEventListener('submit', e => e.preventDefault());
  every(3000, load);
};

pages.run = () => {
  const runId = $('#page-data').dataset.runId;
  const epochs = new Map();
  const loss = lineChart($('#chart-loss'), [{label: 'train'}, {label: 'validation', dashed: true}], 'loss');
  const accuracy = lineChart($('#chart-accuracy'), [{label: 'train'}, {label: 'validation', dashed: true}],
      'accuracy');
  const rate = lineChart($('#chart-rate'), [{label: 'learning rate'}], 'learning rate');
  let run = null;
  let resultShown = false;

  const addEpoch = metrics => {
    if (!metrics || epochs.has(metrics.epoch)) {
      return;
    }
    epochs.set(metrics.epoch, metrics);
    const sorted = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
    const points = key => sorted.filter(m => m[key] !== null && m[key] !== undefined)
        .map(m => ({x: m.epoch, y: m[key]}));
    loss.data.datasets[0].data = points('trainLoss');
    loss.data.datasets[1].data = points('validationLoss');
    accuracy.data.datasets[0].data = points('trainAccuracy');
    accuracy.data.datasets[1].data = points('validationAccuracy');
    rate.data.datasets[0].data = points('learningRate');
    for (const chart of [loss, accuracy, rate]) {
      chart.update();
    }
    const last = sorted[sorted.length - 1];
    $('#chart-loss').setAttribute('aria-label', `Loss by epoch: ${sorted.length} epochs; at epoch ${last.epoch} `
        + `train ${number(last.trainLoss)}, validation ${number(last.validationLoss)}`);
    $('#chart-accuracy').setAttribute('aria-label', `Accuracy by epoch: ${sorted.length} epochs; at epoch `
        + `${last.epoch} train ${percent(last.trainAccuracy)}, validation ${percent(last.validationAccuracy)}`);
    fill($('#epochs-table tbody'), sorted.map(m => el('tr', {},
        el('th', {scope: 'row', text: m.epoch}), el('td', {text: number(m.trainLoss)}),
        el('td', {text: percent(m.trainAccuracy, 2)}), el('td', {text: number(m.validationLoss)}),
        el('td', {text: percent(m.validationAccuracy, 2)}), el('td', {text: Number(m.learningRate).toPrecision(3)}),
        el('td', {text: Math.round(m.imagesPerSecond)}))));
    $('#curves-live').textContent = `(${sorted.length} epochs)`;
  };

  const showRun = view => {
    run = view;
    $('#page-title').textContent = 'Run ' + shortId(view.id);
    facts($('#run-overview'), [
      ['Status', statusBadge(view.status)],
      ['Model', view.spec.model], ['Data set', view.spec.dataset],
      ['Epochs', view.epochsDone + ' / ' + view.spec.epochs + (view.bestEpoch ? ' (best: ' + view.bestEpoch + ')' : '')],
      ['Registered as', view.registeredModel ? el('a', {href: '/console/models/'
          + encodeURIComponent(view.registeredModel), text: view.registeredModel}) : null],
      ['Experiment', view.experiment], ['Worker', view.worker], ['Device', view.device],
      ['Parameters', view.modelSize ? view.modelSize.parameters.toLocaleString() : null],
      ['Created', when(view.createdAt)], ['Finished', view.finishedAt ? when(view.finishedAt) : null],
      ['Failure', view.failureReason],
    ]);
    $('#run-spec').textContent = JSON.stringify(view.spec, null, 2);
    $('#run-downloads').replaceChildren(...(view.checkpoints || []).map(c => el('button', {
      type: 'button', class: 'secondary', 'data-kind': c.kind,
      text: `Download the ${c.kind} checkpoint (epoch ${c.epoch}, ${(c.sizeBytes / 1024).toFixed(0)} KiB)`,
      onclick: () => download(`/api/v1/runs/${view.id}/checkpoints/${c.kind}`,
          `run-${view.id}-${c.kind}.kiln.zip`).catch(showProblem),
    })));
    if (view.result && !resultShown) {
      resultShown = true;
      showResult(view.result).catch(showProblem);
    }
  };

  const showResult = async result => {
    $('#result-section').hidden = false;
    $('#result-summary').textContent = `${result.images} test images: accuracy ${percent(result.accuracy, 2)}, `
        + `top-${result.topK} ${percent(result.topKAccuracy, 2)}, loss ${number(result.loss)}.`;
    fill($('#per-class tbody'), result.perClass.map(c => {
      const f1 = c.precision + c.recall > 0 ? 2 * c.precision * c.recall / (c.precision + c.recall) : 0;
      return el('tr', {}, el('th', {scope: 'row', text: c.name}), el('td', {text: c.support}),
          el('td', {text: percent(c.precision)}), el('td', {text: percent(c.recall)}), el('td', {text: percent(f1)}));
    }));
    const draw = () => confusion($('#confusion'), result.classes, result.confusion,
        document.querySelector('input[name=confusion-mode]:checked').value);
    for (const radio of document.querySelectorAll('input[name=confusion-mode]')) {
      radio.addEventListener('change', draw);
    }
    draw();
    await gallery(result.classes);
  };

  const gallery = async classes => {
    let examples;
    try {
      examples = await api(`/api/v1/runs/${runId}/misclassified`);
    } catch (error) {
      $('#misclassified').textContent = 'No misclassified examples recorded for this run (' + error.message + ').';
      return;
    }
    const select = $('#misclassified-class');
    select.replaceChildren(el('option', {value: '', text: 'all'}), ...classes.map(c => el('option', {text: c})));
    const figures = await Promise.all(examples.map(async example => {
      const src = await imageUrl(example.image);
      return el('figure', {class: 'example', 'data-truth': example.truth, 'data-prediction': example.prediction},
          el('img', {src, width: 84, height: 84, alt: `Test image ${example.index}: a ${example.truth}, predicted `
              + `${example.prediction} with probability ${percent(example.probability)}`}),
          el('figcaption', {}, el('span', {class: 'truth', text: example.truth}), ' | ',
              el('span', {class: 'wrong', text: example.prediction}), ' ',
              el('span', {class: 'probability', text: percent(example.probability, 0)})));
    }));
    $('#misclassified').replaceChildren(...figures);
    if (!figures.length) {
      $('#misclassified').textContent = 'The model classified every test image correctly.';
    }
    select.addEventListener('change', () => {
      for (const figure of figures) {
        figure.hidden = select.value !== '' && figure.dataset.truth !== select.value;
      }
    });
  };

  // One training batch as the network saw it, before and after augmentation: recorded with the first epoch, so
  // asked for once the run has one.
  let batchShown = false;
  const trainingBatch = async () => {
    if (batchShown) {
      return;
    }
    if (epochs.size === 0 && !(run && run.epochsDone > 0)) {
      $('#training-batch-info').textContent = 'Recorded when the first epoch ends.';
      return;
    }
    let batch;
    try {
      batch = await api(`/api/v1/runs/${runId}/training-batch`);
    } catch (error) {
      $('#training-batch-info').textContent = error.status === 404
          ? 'This run recorded no training batch.' : error.message;
      return;
    }
    batchShown = true;
    $('#training-batch-info').textContent = batch.augmented
        ? 'Each image as stored (left) and as the network got it after augmentation (right).'
        : 'This run trains without augmentation: the images as stored.';
    $('#training-batch').replaceChildren(...await Promise.all(batch.images.map(async image => el('figure',
        {class: 'example'}, el('img', {src: await imageUrl(image.original), width: 56, height: 56,
          alt: `Training image ${image.position + 1}, a ${image.label}, as stored`}),
        image.augmented ? el('img', {src: await imageUrl(image.augmented), width: 56, height: 56,
          alt: `The same image after augmentation`}) : null,
        el('figcaption', {text: image.label})))));
  };
  api(`/api/v1/runs/${runId}/summary`).then(summary => {
    const s = summary.summary;
    $('#summary-totals').textContent = `Input ${s.input.join('×')}, output ${s.output.join('×')}: `
        + `${s.parameters.toLocaleString()} parameters, ${s.multiplyAdds.toLocaleString()} multiply-adds per image; `
        + `about ${(summary.trainingBytes / 1048576).toFixed(1)} MiB to train at batch size ${summary.batchSize}.`;
    fill($('#summary tbody'), s.layers.map(layer => el('tr', {}, el('th', {scope: 'row', text: layer.name}),
        el('td', {text: layer.type}), el('td', {text: layer.output.join('×')}),
        el('td', {text: layer.parameters.toLocaleString()}), el('td', {text: layer.multiplyAdds.toLocaleString()}))));
  }).catch(showProblem);

  // The event stream sends the run and its stored epochs first, then each new one; it ends when the run does.
  const stream = async () => {
    try {
      await follow(`/api/v1/runs/${runId}/events`, (name, data) => {
        if (name === 'run') {
          showRun(data);
          trainingBatch();
        } else if (name === 'epoch') {
          addEpoch(data.metrics);
          trainingBatch();
        } else if (['completed', 'failed', 'cancelled', 'checkpoint', 'started', 'claimed'].includes(name)) {
          api(`/api/v1/runs/${runId}`).then(showRun).catch(showProblem);
        }
      });
      clearProblem();
    } catch (error) {
      showProblem(error);
    }
    const finished = run && TERMINAL.has(run.status);
    if (!finished) {
      setTimeout(stream, 2000);
    } else {
      $('#curves-live').textContent = `(${epochs.size} epochs; the run has ended)`;
    }
  };
  stream();
};

/** The confusion matrix as a table heatmap: counts, or normalised by row (recall) or column (precision). */
function confusion(table, classes, matrix, mode) {
  const rowSums = matrix.map(row => row.reduce((a, b) => a + b, 0));
  const columnSums = classes.map((_, j) => matrix.reduce((sum, row) => sum + row[j], 0));
  const value = (i, j) => mode === 'row' ? (rowSums[i] ? matrix[i][j] / rowSums[i] : 0)
      : mode === 'column' ? (columnSums[j] ? matrix[i][j] / columnSums[j] : 0) : matrix[i][j];
  const max = mode === 'counts' ? Math.max(1, ...matrix.flat()) : 1;
  table.dataset.mode = mode;
  table.querySelector('thead').replaceChildren(el('tr', {},
      el('th', {scope: 'col', text: 'true \\ predicted'}), ...classes.map(c => el('th', {scope: 'col', text: c}))));
  table.querySelector('tbody').replaceChildren(...matrix.map((row, i) => el('tr', {},
      el('th', {scope: 'row', text: classes[i]}),
      ...row.map((count, j) => {
        const v = value(i, j);
        const strength = v / max;
        const cell = el('td', {
          'data-count': count, 'data-row': i, 'data-column': j,
          title: `true ${classes[i]}, predicted ${classes[j]}: ${count}`,
          text: mode === 'counts' ? count : v.toFixed(2),
          class: (i === j ? 'diagonal' : '') + (strength > 0.5 ? ' strong' : ''),
        });
        cell.style.backgroundColor = `rgba(37, 99, 235, ${(0.05 + 0.95 * strength).toFixed(3)})`;
        return cell;
      }))));
}

async function download(path, filename) {
  const blob = await (await request(path)).blob();
  const link = el('a', {href: URL.createObjectURL(blob), download: filename});
  document.body.append(link);
  link.click();
  link.remove();
}

function flatten(value, prefix = '', into = {}) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      flatten(inner, prefix ? prefix + '.' + key : key, into);
    }
  } else {
    into[prefix] = JSON.stringify(value);
  }
  return into;
}

pages.compare = () => {
  const ids = (new URLSearchParams(location.search).get('runs') || '').split(',').map(s => s.trim()).filter(Boolean);
  $('#compare-runs').value = ids.join(',');
  $('#compare-form').addEventListener('submit', event => {
    event.preventDefault();
    location.assign('/console/compare?runs=' + encodeURIComponent($('#compare-runs').value.replace(/\s/g, '')));
  });
  if (!ids.length) {
    $('#spec-diff tbody').replaceChildren(el('tr', {}, el('td', {text: 'Select runs on the Runs page, or give their ids.'})));
    return;
  }
  const series = ids.map((id, i) => ({label: shortId(id), color: PALETTE[i % PALETTE.length]}));
  const accuracy = lineChart($('#compare-accuracy'), series, 'accuracy');
  const loss = lineChart($('#compare-loss'), series, 'loss');
  Promise.all(ids.map(async id => ({run: await api('/api/v1/runs/' + id), metrics: await api(`/api/v1/runs/${id}/metrics`)})))
      .then(runs => {
        runs.forEach(({run, metrics}, i) => {
          const validated = metrics.some(m => m.validationAccuracy !== null && m.validationAccuracy !== undefined);
          accuracy.data.datasets[i].data = metrics.map(m => ({x: m.epoch,
            y: validated ? m.validationAccuracy : m.trainAccuracy}));
          loss.data.datasets[i].data = metrics.map(m => ({x: m.epoch, y: validated ? m.validationLoss : m.trainLoss}));
          accuracy.data.datasets[i].label = loss.data.datasets[i].label = shortId(run.id) + ' ' + run.spec.model
              + (run.result ? ' (test ' + percent(run.result.accuracy) + ')' : '');
        });
        accuracy.update();
        loss.update();
        const flat = runs.map(({run}) => flatten(run.spec));
        const keys = [...new Set(flat.flatMap(Object.keys))].sort();
        $('#spec-diff thead').replaceChildren(el('tr', {}, el('th', {scope: 'col', text: 'spec field'}),
            ...runs.map(({run}) => el('th', {scope: 'col'}, el('a', {href: '/console/runs/' + run.id, text: shortId(run.id)})))));
        const draw = () => {
          const only = $('#only-differences').checked;
          fill($('#spec-diff tbody'), keys.map(key => {
            const values = flat.map(f => f[key] === undefined ? '–' : f[key]);
            const differs = new Set(values).size > 1;
            return differs || !only ? el('tr', {class: differs ? 'differs' : ''},
                el('th', {scope: 'row'}, key, differs ? el('span', {class: 'visually-hidden', text: ' (differs)'}) : null),
                ...values.map(v => el('td', {text: v}))) : null;
          }).filter(Boolean));
        };
        $('#only-differences').addEventListener('change', draw);
        draw();
      }).catch(showProblem);
};

pages.studies = () => every(3000, async () => {
  const studies = await api('/api/v1/studies?limit=100');
  fill($('#studies-table tbody'), studies.map(study => {
    const best = study.trials.find(t => t.number === study.bestTrial);
    return el('tr', {'data-study-id': study.id, 'data-key': study.id},
        el('td', {}, el('a', {href: '/console/studies/' + study.id, text: shortId(study.id)})),
        el('td', {}, statusBadge(study.status)), el('td', {text: study.spec.experiment || '–'}),
        el('td', {text: study.trials.length + ' / ' + study.spec.maxTrials}),
        el('td', {text: best ? '#' + best.number : '–'}),
        el('td', {text: best && best.objective !== undefined ? number(best.objective) : '–'}),
        el('td', {text: when(study.createdAt)}));
  }));
});

pages.study = () => {
  const studyId = $('#page-data').dataset.studyId;
  let chart = null;
  const curves = new Map();
  let study = null;
  const load = async () => {
    study = await api('/api/v1/studies/' + studyId);
    const metric = study.spec.objective.metric;
    $('#page-title').textContent = 'Study ' + shortId(study.id);
    facts($('#study-overview'), [['Status', statusBadge(study.status)], ['Objective', metric + ', '
        + study.spec.objective.direction], ['Algorithm', study.spec.algorithm],
      ['Trials', study.trials.length + ' / ' + study.spec.maxTrials], ['Experiment', study.spec.experiment],
      ['Reason', study.reason], ['Created', when(study.createdAt)]]);
    const names = [...new Set(study.trials.flatMap(t => Object.keys(t.parameters || {})))];
    $('#study-report thead').replaceChildren(el('tr', {}, el('th', {scope: 'col', text: 'Trial'}),
        ...names.map(n => el('th', {scope: 'col', text: n})), el('th', {scope: 'col', text: 'State'}),
        el('th', {scope: 'col', text: 'Epochs'}), el('th', {scope: 'col', text: metric}),
        el('th', {scope: 'col', text: 'Test accuracy'}), el('th', {scope: 'col', text: 'Test loss'})));
    fill($('#study-report tbody'), study.trials.map(t => el('tr', {class: t.best ? 'best' : '',
      'data-trial': t.number, 'aria-current': t.best ? 'true' : null},
        el('th', {scope: 'row'}, t.runId ? el('a', {href: '/console/runs/' + t.runId, text: '#' + t.number}) : '#' + t.number,
            t.best ? el('span', {class: 'best-mark', title: 'best trial', text: ' ★'}) : null,
            t.best ? el('span', {class: 'visually-hidden', text: ' (best trial)'}) : null),
        ...names.map(n => el('td', {text: formatParameter(t.parameters[n])})),
        el('td', {}, statusBadge(t.state)), el('td', {text: t.epochs}), el('td', {text: number(t.objective)}),
        el('td', {text: percent(t.testAccuracy, 2)}), el('td', {text: number(t.testLoss)}))));
    parallelCoordinates($('#parallel'), study, names);
    await trialCurves(study, metric);
  };
  const trialCurves = async (view, metric) => {
    const key = metric.includes('loss') ? 'validationLoss' : 'validationAccuracy';
    const fallback = metric.includes('loss') ? 'trainLoss' : 'trainAccuracy';
    for (const trial of view.trials.filter(t => t.runId)) {
      const known = curves.get(trial.number);
      if (known && known.done) {
        continue;
      }
      const metrics = await api(`/api/v1/runs/${trial.runId}/metrics`);
      curves.set(trial.number, {done: TERMINAL.has(trial.state) || trial.state === 'PRUNED', metrics});
    }
    if (!chart) {
      chart = lineChart($('#trial-curves'), [], key);
    }
    chart.data.datasets = [...curves.entries()].sort((a, b) => a[0] - b[0]).map(([number, c], i) => {
      const trial = view.trials.find(t => t.number === number);
      // Green is the best trial's alone.
      const others = PALETTE.filter(c => c !== '#16a34a');
      const color = trial.best ? '#16a34a' : others[i % others.length];
      return {label: '#' + number + (trial.best ? ' (best)' : '') + (trial.state === 'PRUNED' ? ' (pruned)' : ''),
        data: c.metrics.map(m => ({x: m.epoch, y: m[key] !== null && m[key] !== undefined ? m[key] : m[fallback]})),
        borderColor: color, backgroundColor: color, borderWidth: trial.best ? 3 : 1.5, pointRadius: 2,
        borderDash: trial.state === 'PRUNED' ? [4, 3] : undefined, parsing: false};
    });
    chart.options.scales.y.title.text = key;
    chart.update();
  };
  every(3000, load, () => !study || !TERMINAL.has(study.status));
};

function formatParameter(value) {
  return typeof value === 'number' && !Number.isInteger(value) ? value.toPrecision(3) : String(value);
}

/** Parameters against the objective: one vertical axis each, one polyline per trial (SVG, no library). */
function parallelCoordinates(container, study, names) {
  const trials = study.trials.filter(t => t.objective !== undefined && t.objective !== null);
  const axes = [...names, 'objective'];
  const width = 560;
  const height = 300;
  const pad = {top: 34, bottom: 30, left: 50, right: 50};
  const x = i => pad.left + i * (width - pad.left - pad.right) / Math.max(1, axes.length - 1);
  const valueOf = (t, axis) => axis === 'objective' ? t.objective : t.parameters[axis];
  const scales = axes.map(axis => {
    const values = trials.map(t => valueOf(t, axis));
    const numeric = values.every(v => typeof v === 'number');
    if (!numeric) {
      const levels = [...new Set(values.map(String))];
      const step = (height - pad.top - pad.bottom) / levels.length;
      return {y: v => pad.top + (levels.indexOf(String(v)) + 0.5) * step, min: levels[0], max: levels[levels.length - 1]};
    }
    const min = Math.min(...values);
    const max = Math.max(...values);
    const log = axis !== 'objective' && min > 0 && max / min > 20;
    const f = v => log ? Math.log(v) : v;
    const span = f(max) - f(min) || 1;
    return {y: v => height - pad.bottom - (f(v) - f(min)) / span * (height - pad.top - pad.bottom), min, max};
  });
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Parallel coordinates: ${trials.length} trials over ${axes.join(', ')}; the best trial in green`);
  const add = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attributes)) {
      node.setAttribute(k, v);
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    svg.append(node);
    return node;
  };
  for (const t of trials) {
    const points = axes.map((axis, i) => `${x(i).toFixed(1)},${scales[i].y(valueOf(t, axis)).toFixed(1)}`).join(' ');
    const line = add('polyline', {points, fill: 'none', stroke: t.best ? '#16a34a' : '#94a3b8',
      'stroke-width': t.best ? 3 : 1.5, 'data-trial': t.number});
    line.append(Object.assign(document.createElementNS(ns, 'title'), {textContent: 'trial #' + t.number + ': '
        + axes.map(a => a + ' ' + formatParameter(valueOf(t, a))).join(', ')}));
  }
  axes.forEach((axis, i) => {
    add('line', {x1: x(i), x2: x(i), y1: pad.top, y2: height - pad.bottom, stroke: '#334155'});
    add('text', {x: x(i), y: 12, 'text-anchor': 'middle', class: 'axis-title'}, axis);
    add('text', {x: x(i), y: height - 10, 'text-anchor': 'middle', class: 'axis-tick'}, formatParameter(scales[i].min));
    add('text', {x: x(i), y: pad.top - 4, 'text-anchor': 'middle', class: 'axis-tick'}, formatParameter(scales[i].max));
  });
  container.replaceChildren(svg);
}

function policyText(policy) {
  const rollout = policy && policy.rollout && policy.rollout.mode !== 'IMMEDIATE'
    ? `; new champions go out as a ${policy.rollout.mode.toLowerCase()}` : '';
  return policy && policy.metric ? `${policy.autoPromote ? 'automatic' : 'manual'} on ${policy.metric}`
      + (policy.minImprovement ? `, by at least ${policy.minImprovement}` : '') + rollout : null;
}

/**
 * One rollout of GET /api/v1/models/{name}/rollouts: its versions, where it is, and for one under way what the
 * replicas observed of its step (requests, failures, p99, agreement with the version it replaces).
 */
function rolloutRow(rollout) {
  const seen = rollout.observed;
  const observed = !seen ? '–' : `${seen.requests} requests, ${seen.errors} failed`
      + (seen.p99Ms ? `, p99 ${seen.p99Ms.toFixed(1)} ms` : '')
      + (seen.compared ? `, agreement ${percent(seen.agreed / seen.compared)}` : '');
  return el('tr', {'data-key': rollout.id, 'data-state': rollout.state},
      el('th', {scope: 'row'}, el('time', {datetime: rollout.startedAt, text: when(rollout.startedAt)})),
      el('td', {text: `v${rollout.candidateVersion} replacing v${rollout.baselineVersion}, as a `
          + rollout.mode.toLowerCase()}),
      el('td', {}, statusBadge(rollout.state)),
      el('td', {text: rollout.state !== 'RUNNING' ? `${rollout.trafficPercent} % now`
          : rollout.mode === 'SHADOW' ? 'copies' : `${rollout.trafficPercent} % (step ${rollout.step + 1}`
              + ` of ${rollout.policy.steps.length})`}),
      el('td', {text: observed}),
      el('td', {text: rollout.reason || '–'}));
}

pages.models = () => every(5000, async () => {
  const models = await api('/api/v1/models');
  fill($('#models-table tbody'), models.map(model => el('tr', {},
      el('th', {scope: 'row'}, el('a', {href: '/console/models/' + encodeURIComponent(model.name), text: model.name})),
      el('td', {text: model.latestVersion || '–'}),
      el('td', {text: Object.entries(model.aliases || {}).map(([a, v]) => a + ' → v' + v).join(', ') || '–'}),
      el('td', {text: policyText(model.policy) || '–'}),
      el('td', {text: when(model.updatedAt)}))));
});

pages.model = () => {
  const name = $('#page-data').dataset.modelName;
  every(5000, async () => {
    const [model, promotions, replicas, rollouts] = await Promise.all([
      api('/api/v1/models/' + encodeURIComponent(name)),
      api(`/api/v1/models/${encodeURIComponent(name)}/promotions`),
      api(`/api/v1/models/${encodeURIComponent(name)}/replicas`),
      api(`/api/v1/models/${encodeURIComponent(name)}/rollouts`)]);
    facts($('#model-overview'), [['Latest version', model.latestVersion],
      ['Aliases', Object.entries(model.aliases || {}).map(([a, v]) => a + ' → v' + v).join(', ')],
      ['Promotion policy', policyText(model.policy)],
      ['Public predictions', model.publicPrediction ? 'yes' : 'no'], ['Created', when(model.createdAt)]]);
    const aliasesOf = version => Object.entries(model.aliases || {}).filter(([, v]) => v === version).map(([a]) => a);
    fill($('#versions-table tbody'), (model.versions || []).map(v => el('tr', {'data-version': v.version},
        el('th', {scope: 'row', text: 'v' + v.version}),
        el('td', {}, ...aliasesOf(v.version).map(a => el('span', {class: 'badge', text: a}))),
        el('td', {}, v.runId ? el('a', {href: '/console/runs/' + v.runId, text: 'run ' + shortId(v.runId)}) : 'imported'),
        el('td', {text: number(v.metricValue)}), el('td', {text: percent(v.testAccuracy, 2)}),
        el('td', {text: when(v.createdAt)}),
        el('td', {}, el('a', {href: `/console/models/${encodeURIComponent(name)}/versions/${v.version}/inside`,
          text: 'filters, feature maps, saliency'}), ' · ',
            el('a', {href: `/console/playground?model=${encodeURIComponent(name)}&version=${v.version}`, text: 'playground'})))));
    fill($('#timeline'), promotions.map(p => el('li', {},
        el('time', {datetime: p.promotedAt, text: when(p.promotedAt)}), ' ',
        `${p.alias} → v${p.version}` + (p.previousVersion ? ` (was v${p.previousVersion})` : '')
            + (p.reason ? `: ${p.reason}` : ''))));
    fill($('#rollouts-table tbody'), rollouts.length ? rollouts.map(rolloutRow)
        : [el('tr', {}, el('td', {colspan: 6, text: 'No rollout yet: new champions of this model go out at once'
            + ' unless its policy says CANARY or SHADOW.'}))]);
    fill($('#replicas-table tbody'), replicas.length ? replicas.map(replicaRow)
        : [el('tr', {}, el('td', {colspan: 4, text: 'No inference replica has reported on this model yet.'}))]);
    // The replica this browser reaches (the playground's): the table says what every replica serves, this line
    // whether the browser gets an answer at all.
    try {
      const served = await inference(`/v2/models/${encodeURIComponent(name)}`);
      $('#serving').textContent = `From this browser, the inference service at ${inferenceUrl} answers with `
          + `version(s) ${served.versions.join(', ')} (platform ${served.platform}).`;
    } catch (error) {
      $('#serving').textContent = `From this browser, the inference service at ${inferenceUrl} does not serve it: `
          + error.message;
    }
  });
};

/**
 * One inference replica of GET /api/v1/models/{name}/replicas: live or stale (its heartbeat), the versions it has
 * loaded under their aliases (pinned: a request asked for that version), and its latest failure to load one.
 */
function replicaRow(replica) {
  const loaded = replica.versions.filter(v => v.state === 'LOADED');
  const failures = replica.versions.filter(v => v.state === 'LOAD_FAILED')
      .sort((a, b) => new Date(b.since) - new Date(a.since));
  return el('tr', {'data-key': replica.id, 'data-live': String(replica.live)},
      el('th', {scope: 'row', text: replica.id}),
      el('td', {}, statusBadge(replica.live ? 'live' : 'stale'), ' seen ',
          el('time', {datetime: replica.seenAt, text: when(replica.seenAt)})),
      el('td', {}, loaded.length ? loaded.flatMap((v, i) => [i ? ', ' : null, el('span', {class: 'served-version',
        'data-version': v.version, 'data-alias': v.alias || 'pinned'}, 'v' + v.version + ' ',
        el('span', {class: 'badge', text: v.alias || 'pinned'}))]) : 'nothing loaded'),
      el('td', {}, failures.length ? [el('time', {datetime: failures[0].since, text: when(failures[0].since)}),
        ` v${failures[0].version}${failures[0].alias ? ' (' + failures[0].alias + ')' : ''}: ${failures[0].reason}`]
          : '–'));
}

/** Values scaled from [min, max] to grey pixels on a canvas of the values' own size (CSS scales it up). */
function greyCanvas(values, width, height, min, max, label) {
  const canvas = el('canvas', {width, height, role: 'img', 'aria-label': label});
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  const span = max - min || 1;
  for (let i = 0; i < width * height; i++) {
    const grey = Math.round(255 * (values[i] - min) / span);
    image.data.set([grey, grey, grey, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

/** A first-layer filter as a picture: RGB for three input channels, the channels' mean otherwise. */
function filterCanvas(filter, inChannels, kh, kw) {
  const plane = kh * kw;
  const span = filter.max - filter.min || 1;
  const canvas = el('canvas', {width: kw, height: kh, role: 'img',
    'aria-label': `Filter ${filter.index}: weights from ${filter.min.toFixed(3)} to ${filter.max.toFixed(3)}`});
  const context = canvas.getContext('2d');
  const image = context.createImageData(kw, kh);
  for (let i = 0; i < plane; i++) {
    const channel = c => Math.round(255 * (filter.weights[c * plane + i] - filter.min) / span);
    let rgb;
    if (inChannels === 3) {
      rgb = [channel(0), channel(1), channel(2)];
    } else {
      let sum = 0;
      for (let c = 0; c < inChannels; c++) {
        sum += channel(c);
      }
      rgb = Array(3).fill(Math.round(sum / inChannels));
    }
    image.data.set([...rgb, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

pages.inside = () => {
  const data = $('#page-data').dataset;
  const base = `/api/v1/models/${encodeURIComponent(data.modelName)}/versions/${data.version}`;
  $('#page-title').textContent = `Inside ${data.modelName} v${data.version}`;
  inference(base + '/filters').then(filters => {
    const [kh, kw] = filters.kernel;
    $('#filters-info').textContent = `Layer ${filters.layer}: ${filters.outChannels} filters of ${filters.inChannels}`
        + ` x ${kh} x ${kw} weights, each scaled from its smallest (black) to its largest weight (white).`;
    $('#filters').replaceChildren(...filters.filters.map(f => filterCanvas(f, filters.inChannels, kh, kw)));
  }).catch(error => {
    $('#filters-info').textContent = error.message;
  });

  const probe = async image => {
    const bitmap = await createImageBitmap(image);
    const shown = $('#probe-image').getContext('2d');
    shown.imageSmoothingEnabled = false;
    shown.drawImage(bitmap, 0, 0, 196, 196);
    const method = $('#saliency-method').value;
    const post = path => inference(path, {method: 'POST', body: image, headers: {'Content-Type': image.type || 'image/png'}});
    const [maps, saliency] = await Promise.all([post(base + '/feature-maps?channels=16'),
      post(base + '/saliency?method=' + method)]);
    $('#feature-maps').replaceChildren(...maps.layers.map(layer => el('div', {},
        el('h4', {text: `Layer ${layer.name} (after ${layer.after.join(' + ')}): ${layer.channels} maps of `
            + `${layer.height} x ${layer.width}` + (layer.maps.length < layer.channels ? `, the first ${layer.maps.length} shown` : '')}),
        el('div', {class: 'maps'}, ...layer.maps.map(m => greyCanvas(m.values, layer.width, layer.height, m.min, m.max,
            `Layer ${layer.name}, channel ${m.channel}`))))));
    // The saliency over the image: the image in grey, the map in red on top, as strong as the map.
    const overlay = $('#saliency').getContext('2d');
    overlay.imageSmoothingEnabled = false;
    overlay.drawImage(bitmap, 0, 0, 196, 196);
    const heat = el('canvas', {width: saliency.width, height: saliency.height});
    const heatContext = heat.getContext('2d');
    const pixels = heatContext.createImageData(saliency.width, saliency.height);
    saliency.values.forEach((v, i) => pixels.data.set([255, 32, 32, Math.round(220 * v)], i * 4));
    heatContext.putImageData(pixels, 0, 0);
    overlay.imageSmoothingEnabled = true;
    overlay.drawImage(heat, 0, 0, 196, 196);
    const explained = saliency.explained;
    $('#saliency-caption').textContent = `${method === 'grad-cam' ? 'Grad-CAM' : 'Gradient saliency'} for `
        + `"${explained.label}" (${percent(explained.probability)}); the model predicts "${saliency.label}".`;
    $('#saliency').setAttribute('aria-label', $('#saliency-caption').textContent);
    $('#saliency').dataset.label = saliency.label;
  };
  let current = null;
  const run = image => {
    current = image;
    probe(image).then(clearProblem).catch(showProblem);
  };
  $('#probe-file').addEventListener('change', event => {
    if (event.target.files[0]) {
      run(event.target.files[0]);
    }
  });
  $('#saliency-method').addEventListener('change', () => current && run(current));
  // Samples: the version's run's misclassified test images (an imported version has none).
  api(base).then(async version => {
    if (!version.runId) {
      return;
    }
    const examples = await api(`/api/v1/runs/${version.runId}/misclassified`);
    const select = $('#probe-sample');
    select.append(...examples.map(e => el('option', {value: e.image,
      text: `test image ${e.index}: a ${e.truth}, predicted ${e.prediction}`})));
    select.addEventListener('change', async () => {
      if (select.value) {
        run(await (await request(select.value)).blob());
      }
    });
    if (examples.length) {
      select.value = examples[0].image;
      select.dispatchEvent(new Event('change'));
    }
  }).catch(showProblem);
};

pages.playground = () => {
  const pad = $('#pad');
  const context = pad.getContext('2d');
  const clear = () => {
    context.fillStyle = '#000';
    context.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  let drawing = false;
  const at = event => {
    const box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
  };
  pad.addEventListener('pointerdown', event => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    context.beginPath();
    context.moveTo(...at(event));
  });
  pad.addEventListener('pointermove', event => {
    if (!drawing) {
      return;
    }
    context.lineTo(...at(event));
    context.strokeStyle = '#fff';
    context.lineWidth = 22;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.stroke();
  });
  const finish = () => {
    if (drawing) {
      drawing = false;
      padImage().then(classify).catch(showProblem);
    }
  };
  pad.addEventListener('pointerup', finish);
  pad.addEventListener('pointercancel', finish);
  $('#clear').addEventListener('click', () => {
    clear();
    $('#prediction-bars').replaceChildren();
    $('#prediction-label').textContent = '';
  });
  $('#classify').addEventListener('click', () => padImage().then(classify).catch(showProblem));
  // An image file dropped on the pad is classified as it is.
  pad.addEventListener('dragover', event => event.preventDefault());
  pad.addEventListener('drop', event => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) {
      classify(file).catch(showProblem);
    }
  });
  $('#playground-file').addEventListener('change', event => {
    const file = event.target.files[0];
    if (file) {
      classify(file).catch(showProblem);
    }
  });
  // The tutorials' digits are 28x28, centred: the pad is drawn down to that before it is sent.
  const padImage = () => new Promise(resolve => {
    const small = el('canvas', {width: 28, height: 28});
    const c = small.getContext('2d');
    c.imageSmoothingEnabled = true;
    c.imageSmoothingQuality = 'high';
    c.drawImage(pad, 0, 0, 28, 28);
    small.toBlob(resolve, 'image/png');
  });
  const models = $('#playground-model');
  const versions = $('#playground-version');
  const wanted = new URLSearchParams(location.search);
  const loadVersions = async () => {
    const model = await api('/api/v1/models/' + encodeURIComponent(models.value));
    versions.replaceChildren(el('option', {value: '', text: 'the served champion'}),
        ...(model.versions || []).map(v => el('option', {value: v.version, text: 'v' + v.version
            + Object.entries(model.aliases || {}).filter(([, n]) => n === v.version).map(([a]) => ' (' + a + ')').join('')})));
    if (wanted.get('version')) {
      versions.value = wanted.get('version');
      wanted.delete('version');
    }
  };
  api('/api/v1/models').then(list => {
    models.replaceChildren(...list.map(m => el('option', {value: m.name, text: m.name})));
    if (wanted.get('model')) {
      models.value = wanted.get('model');
    }
    return loadVersions();
  }).catch(showProblem);
  models.addEventListener('change', () => loadVersions().catch(showProblem));

  const classify = async image => {
    const name = encodeURIComponent(models.value);
    const path = versions.value ? `/api/v1/models/${name}/versions/${versions.value}/predict`
        : `/api/v1/models/${name}/predict`;
    const response = await inference(path + '?topK=5', {method: 'POST', body: image,
      headers: {'Content-Type': image.type || 'image/png'}});
    const prediction = response.predictions[0];
    $('#prediction-label').textContent = `${prediction.label} (version ${response.version} of ${response.model})`;
    $('#prediction-label').dataset.label = prediction.label;
    fill($('#prediction-bars'), prediction.top.map(p => {
      const bar = el('span', {class: 'bar'});
      bar.style.width = (p.probability * 100).toFixed(1) + '%';
      return el('li', {'data-label': p.label}, el('span', {class: 'bar-label', text: p.label}),
          el('span', {class: 'bar-track', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 1,
            'aria-valuenow': p.probability.toFixed(4), 'aria-label': p.label}, bar),
          el('span', {class: 'bar-value', text: percent(p.probability)}));
    }));
  };
};

pages.datasets = () => every(5000, async () => {
  const datasets = await api('/api/v1/datasets');
  const rows = datasets.flatMap(d => (d.versions || []).map(v => el('tr', {'data-key': `${d.name}@${v.version}`},
      el('th', {scope: 'row', text: d.name}), el('td', {text: 'v' + v.version}), el('td', {}, statusBadge(v.status)),
      el('td', {text: Object.entries(v.images || {}).map(([split, n]) => split + ' ' + n).join(', ') || '–'}),
      el('td', {text: when(v.createdAt)}),
      el('td', {}, el('button', {type: 'button', class: 'secondary', text: 'Show report',
        onclick: () => datasetReport(d.name, v.version).catch(showProblem)})))));
  fill($('#datasets-table tbody'), rows.length ? rows
      : [el('tr', {}, el('td', {colspan: 6, text: 'No data set uploaded yet (./kiln dataset push DIR).'}))]);
});

// The report shown: a version clicked later wins over one still loading.
let datasetShown = 0;
// The sample images' object URLs, freed when another version's replace them.
let sampleUrls = [];

async function datasetReport(name, version) {
  const shown = ++datasetShown;
  const v = await api(`/api/v1/datasets/${encodeURIComponent(name)}/versions/${version}`);
  if (shown !== datasetShown) {
    return;
  }
  $('#dataset-report').hidden = false;
  $('#dataset-report-title').textContent = `Validation report of ${name} v${version}`;
  const report = v.report || {};
  facts($('#dataset-facts'), [['Status', statusBadge(v.status)], ['Format', report.format],
    ['Classes', (report.classes || []).join(', ')], ['Rejection', v.rejection],
    ['Runs trained on it', (v.runs || []).length], ['Archive SHA-256', v.archiveSha256]]);
  const splits = Object.entries(report.splits || {});
  $('#class-balance').replaceChildren(...splits.map(([split, summary]) => {
    const max = Math.max(1, ...Object.values(summary.perClass));
    return el('div', {}, el('h4', {text: `${split}: ${summary.images} images`}),
        el('ol', {class: 'bars'}, ...Object.entries(summary.perClass).map(([c, n]) => {
          const bar = el('span', {class: 'bar'});
          bar.style.width = (n / max * 100).toFixed(1) + '%';
          return el('li', {}, el('span', {class: 'bar-label', text: c}), el('span', {class: 'bar-track'}, bar),
              el('span', {class: 'bar-value', text: n}));
        })));
  }));
  await datasetSamples(name, v, shown);
}

/**
 * A READY version's sample images, class by class under the class's name: the first train images of each class, at
 * the size they are stored and trained at, fetched with the token like the run page's images.
 */
async function datasetSamples(name, v, shown) {
  const info = $('#dataset-samples-info');
  const grid = $('#dataset-samples');
  sampleUrls.forEach(url => URL.revokeObjectURL(url));
  sampleUrls = [];
  grid.replaceChildren();
  if (v.status !== 'READY') {
    info.textContent = v.status === 'REJECTED' ? 'A rejected version has no sample images.'
        : 'Sample images are recorded when the version becomes READY.';
    return;
  }
  info.textContent = 'Loading the sample images…';
  let samples;
  try {
    samples = await api(`/api/v1/datasets/${encodeURIComponent(name)}/versions/${v.version}/samples`);
  } catch (error) {
    if (shown === datasetShown) {
      info.textContent = error.status === 404
          ? 'No sample images were recorded for this version (it was validated before Kiln recorded them).'
          : error.message;
    }
    return;
  }
  if (shown !== datasetShown) {
    return;
  }
  if (!samples.length) {
    info.textContent = 'This version has no sample images.';
    return;
  }
  const urls = await Promise.all(samples.map(sample => imageUrl(sample.image)));
  if (shown !== datasetShown) {
    urls.forEach(url => URL.revokeObjectURL(url));
    return;
  }
  sampleUrls = urls;
  const byClass = new Map();
  samples.forEach((sample, i) => {
    if (!byClass.has(sample.label)) {
      byClass.set(sample.label, []);
    }
    byClass.get(sample.label).push(el('figure', {class: 'example', 'data-label': sample.label},
        el('img', {src: urls[i], width: 84, height: 84, alt: sample.label}),
        el('figcaption', {}, sample.label, el('span', {class: 'hint', text: ` #${sample.index}`}))));
  });
  grid.replaceChildren(...[...byClass].map(([label, figures], i) => el('div',
      {class: 'sample-class', role: 'group', 'aria-labelledby': `dataset-samples-class-${i}`},
      el('h4', {id: `dataset-samples-class-${i}`, text: `${label} (${figures.length})`}),
      el('div', {class: 'gallery samples'}, figures))));
  const report = v.report || {};
  const split = samples[0].split;
  info.textContent = `The first images of each class in ${split}/, up to `
      + `${Math.max(...[...byClass.values()].map(f => f.length))} (${samples.length} in all), as stored for training`
      + (report.storedWidth ? ` at ${report.storedWidth}×${report.storedHeight} pixels` : '')
      + `; #: the image's index among the ${split} images.`;
}

// ---- Start ------------------------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  const page = body.dataset.page;
  if (!OPEN_PAGES.has(page) && !token()) {
    toLogin();
    return;
  }
  const logout = $('#logout');
  if (logout) {
    logout.addEventListener('click', logOut);
  }
  if (pages[page]) {
    pages[page]();
  }
});
