// Panel 5 of the advertiser page: the API route of tokenized sharing. The page sends the customer list to the
// advertiser's own server (config.advertiserSegmentUrl), which uploads the customers' UID2 tokens to the DSP and
// answers row by row. The page shows counts, statuses and fingerprints: it never gets a raw UID2 or a token.
import { demoConfig } from './demo-common.js';

const config = demoConfig();
const $ = (id) => document.getElementById(id);

/** What the rows' statuses mean, in words. */
const ROW_TEXT = {
  success: 'decrypted, in the segment',
  not_authorized_for_key: 'not authorized for key: the advertiser does not share with this DSP',
  optout: 'opted out: not sent',
  'invalid identifier': 'not an email or phone number: not sent',
  not_received: 'no answer from the DSP',
};

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** One customer's row: every value set as text (the server's answer is not trusted). */
function customerRow(row, index) {
  const status = cell(String(ROW_TEXT[row.status] ?? row.status));
  status.dataset.status = String(row.status);
  const tr = document.createElement('tr');
  tr.append(cell(`#${index + 1}`), cell(row.sent ? 'yes' : 'no'), status, cell(String(row.site_id ?? '—')), cell(String(row.fingerprint ?? '—'), 'mono'));
  return tr;
}

function summaryOf(answer) {
  const counts = Object.entries(answer.dsp.counts ?? {}).map(([status, count]) => `${count} ${status}`).join(', ');
  const dsp = answer.sent === 0 ? 'nothing sent to the DSP'
    : answer.dsp.status === 'success' ? `DSP: ${counts}; segment "${answer.segment}" has ${answer.dsp.members} members (${answer.dsp.added} added)`
    : `DSP answered ${answer.dsp.http_status || 'nothing'}${answer.dsp.message ? `: ${answer.dsp.message}` : ''}`;
  return `Sent ${answer.sent} of ${answer.customers} customers as tokens. ${dsp}.`;
}

async function sendBatch(event) {
  event.preventDefault();
  $('segment-button').disabled = true;
  const customers = $('segment-customers').value.split('\n').map((line) => line.trim()).filter(Boolean);
  const response = await fetch(config.advertiserSegmentUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ segment: $('segment-name').value.trim(), customers }),
  }).catch(() => undefined);
  const answer = response ? await response.json().catch(() => ({})) : {};
  $('segment-button').disabled = false;
  const panel = $('segment-panel');
  if (answer.status !== 'success' || !Array.isArray(answer.rows)) {
    $('segment-summary').textContent = `The advertiser's server refused the batch: ${String(answer.message ?? 'no answer')}`;
    panel.dataset.batch = 'refused';
    return;
  }
  $('segment-summary').textContent = summaryOf(answer);
  $('segment-rows').replaceChildren(...answer.rows.map(customerRow));
  panel.dataset.batch = String((Number(panel.dataset.batch) || 0) + 1);
}

$('segment-form').addEventListener('submit', sendBatch);
