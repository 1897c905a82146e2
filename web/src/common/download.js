// Saves a downloaded Blob under a file name, the way a link with a download
// attribute would.
export function saveBlob(blob, filename) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename || 'download';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60000);
}

// A text file (a CSV template) made in the browser.  CSV gets a byte order
// mark so that Excel reads it as UTF-8.
export function saveText(text, filename, type = 'text/csv') {
  const bom = type === 'text/csv' ? '\ufeff' : '';
  saveBlob(new Blob([bom + text], { type: `${type};charset=utf-8` }), filename);
}
