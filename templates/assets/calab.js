// Small conveniences on top of plain forms; every page works without this file.
// A select or checkbox marked data-autosubmit submits its form when changed.
document.addEventListener('change', (e) => {
  const el = e.target;
  if (el instanceof HTMLElement && el.dataset.autosubmit !== undefined && el.form) el.form.requestSubmit();
});

// The readings grid of a calibration record: Enter moves on like Tab (to the next field), and a
// column pasted from a spreadsheet fills this reading and the ones after it.
const gridInputs = (el) => Array.from(el.closest('[data-grid]').querySelectorAll('input'));
document.addEventListener('keydown', (e) => {
  const el = e.target;
  if (e.key !== 'Enter' || !(el instanceof HTMLInputElement) || !el.closest('[data-grid]')) return;
  e.preventDefault();
  const inputs = gridInputs(el);
  const next = inputs[inputs.indexOf(el) + (e.shiftKey ? -1 : 1)];
  if (next) next.focus(); else el.form.querySelector('textarea, button[value=save]').focus();
});
document.addEventListener('paste', (e) => {
  const el = e.target;
  if (!(el instanceof HTMLInputElement) || el.dataset.reading === undefined) return;
  const values = (e.clipboardData.getData('text') || '').split(/[\r\n\t]+/).map((v) => v.trim()).filter((v) => v);
  if (values.length < 2) return;
  e.preventDefault();
  const readings = gridInputs(el).filter((i) => i.dataset.reading !== undefined);
  let at = readings.indexOf(el);
  for (const v of values) {
    if (at >= readings.length) break;
    readings[at].value = v;
    at += 1;
  }
  (readings[at] || readings[readings.length - 1]).focus();
  el.dispatchEvent(new Event('input', { bubbles: true }));
});

// A button marked data-print prints the page (the receipt and its labels).
document.addEventListener('click', (e) => {
  if (e.target instanceof HTMLElement && e.target.dataset.print !== undefined) window.print();
});
