// Small conveniences on top of plain forms; every page works without this file.
// A select or checkbox marked data-autosubmit submits its form when changed.
document.addEventListener('change', (e) => {
  const el = e.target;
  if (el instanceof HTMLElement && el.dataset.autosubmit !== undefined && el.form) el.form.requestSubmit();
});
