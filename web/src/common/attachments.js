// Documents and photos as people name them.  The server accepts JPEG, PNG
// and PDF only, told by the bytes, and caps the size.

export const ATTACHMENT_CATEGORIES = [
  { name: 'id_card', title: '身份证' },
  { name: 'hukou_book', title: '户口簿' },
  { name: 'income_proof', title: '收入证明' },
  { name: 'contract', title: '合同' },
  { name: 'photo', title: '照片' },
  { name: 'other', title: '其他' },
];

export const categoryTitle = (name) => ATTACHMENT_CATEGORIES.find((c) => c.name === name)?.title || name;

// What the file picker offers (a phone also offers its camera).
export const ACCEPT = 'image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf';

export const isImage = (a) => /^image\//.test(a.media_type || '');
export const isPdf = (a) => a.media_type === 'application/pdf';

// 1536 -> "1.5 KB"
export function sizeText(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
