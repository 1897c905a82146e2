// How the console shows a unit's status and the housing stock's figures.
// The statuses and the rules that move a unit between them are the
// server's (src/housing/housing.h); this only names and colours them.

export const UNIT_STATUSES = [
  { name: 'pending_acceptance', title: '待核验', color: '#b1b3b8' },
  { name: 'vacant', title: '空置', color: '#67c23a' },
  { name: 'allocated', title: '已分配', color: '#e6a23c' },
  { name: 'occupied', title: '已入住', color: '#409eff' },
  { name: 'under_repair', title: '维修中', color: '#f56c6c' },
  { name: 'disabled', title: '停用', color: '#606266' },
];

const byName = Object.fromEntries(UNIT_STATUSES.map((s) => [s.name, s]));

export const statusTitle = (name) => byName[name]?.title || name || '—';
export const statusColor = (name) => byName[name]?.color || '#909399';

// The tag type of a status in tables.
export function statusTagType(name) {
  return { vacant: 'success', allocated: 'warning', occupied: 'primary', under_repair: 'danger', disabled: 'info' }[name] || 'info';
}

// What may be done to a unit in a status (the server decides again), with
// the operation the role needs and the words of its dialog.
export const UNIT_ACTIONS = [
  {
    action: 'repair',
    op: 'POST /api/v1/units/{id}/repair',
    from: ['vacant'],
    title: '标记维修',
    confirm: '标记维修后该房屋暂不可分配。请填写维修原因：',
    placeholder: '如：卫生间渗水，需更换防水层',
    type: 'warning',
  },
  {
    action: 'repair-done',
    op: 'POST /api/v1/units/{id}/repair-done',
    from: ['under_repair'],
    title: '维修完成',
    confirm: '确认维修已完成，房屋恢复原状态。请填写说明：',
    placeholder: '如：已更换防水层并验收合格',
    type: 'success',
  },
  {
    action: 'disable',
    op: 'POST /api/v1/units/{id}/disable',
    from: ['pending_acceptance', 'vacant', 'under_repair'],
    title: '停用',
    confirm: '停用后该房屋不再参与分配。请填写停用原因：',
    placeholder: '如：列入危房改造计划',
    type: 'danger',
  },
  {
    action: 'enable',
    op: 'POST /api/v1/units/{id}/enable',
    from: ['disabled'],
    title: '恢复启用',
    confirm: '房屋将恢复到停用前的状态。请填写恢复原因：',
    placeholder: '如：改造完成',
    type: 'primary',
  },
];

export const CONDITIONS = { good: '完好', fair: '一般', poor: '较差', broken: '损坏' };
export const conditionTitle = (c) => CONDITIONS[c] || c || '—';
export const conditionTagType = (c) => ({ good: 'success', fair: '', poor: 'warning', broken: 'danger' })[c] ?? 'info';

export const ACCEPTANCE_STATES = { draft: '待签字', signed: '待确认', confirmed: '已确认' };
export const acceptanceTitle = (s) => ACCEPTANCE_STATES[s] || s || '—';
export const acceptanceTagType = (s) => ({ draft: 'info', signed: 'warning', confirmed: 'success' })[s] || 'info';

export const ASSET_LOCATIONS = { unit: '户内', building: '楼栋', entrance: '单元', community: '小区公共区域' };

// Hundredths of a square metre -> "45.20".
export function areaText(hundredths) {
  if (hundredths === null || hundredths === undefined) return '—';
  const n = Number(hundredths);
  return `${Math.trunc(n / 100)}.${String(Math.abs(n) % 100).padStart(2, '0')}`;
}

// Per mille or a share -> "45.2%".
export function percentText(part, total) {
  if (!total) return '0%';
  return `${(Math.round((part * 1000) / total) / 10).toFixed(1)}%`;
}

// "12" -> "12层", a basement "-1" -> "地下1层".
export const floorTitle = (f) => (f < 0 ? `地下${-f}层` : `${f}层`);
