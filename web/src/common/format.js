// Display helpers: instants in Asia/Shanghai, scopes, JSON.
const timeFmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

// "2026-11-28T07:03:11.123456Z" -> "2026-11-28 15:03:11" (Beijing time).
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = Object.fromEntries(timeFmt.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

export function scopeText(scope) {
  if (!scope) return '—';
  if (scope.all) return '全部小区';
  if (scope.communities?.length) return '小区 ' + scope.communities.map((c) => `#${c}`).join('、');
  return '—';
}

export function pretty(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch {
      return v;
    }
  }
  return JSON.stringify(v, null, 2);
}
