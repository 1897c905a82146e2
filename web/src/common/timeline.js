// A dossier's timeline as people read it: each event's action in Chinese (a
// later module's action without a label shows as it is), and what changed,
// in one line, from the event's detail {before, after}.
import { reactive } from 'vue';
import { statusTitle } from '../housing/status.js';
import { categoryTitle, sizeText } from './attachments.js';
import { yuanText } from './money.js';

const ACTIONS = {
  'community.create': '新建小区',
  'community.update': '修改小区信息',
  'building.create': '新建楼栋',
  'building.update': '修改楼栋信息',
  'unit.create': '登记房屋',
  'unit.update': '修改房屋信息',
  'unit.status': '房屋状态变更',
  'asset.create': '登记设施设备',
  'asset.update': '更新设施设备',
  'acceptance.open': '开始分户核验',
  'acceptance.sign': '运营方签字',
  'acceptance.confirm': '住建部门确认核验',
  'acceptance.return': '核验被退回',
  'attachment.add': '上传资料',
  'attachment.remove': '删除资料',
  'household.create': '登记住户',
  'household.update': '修改住户信息',
  'household.head': '变更户主',
  'household.set_head': '变更户主',
  'member.add': '新增家庭成员',
  'member.leave': '家庭成员迁出',
  'person.create': '登记人员信息',
  'person.update': '修改人员信息',
  'person.reveal': '查看完整个人信息',
  'lease.sign': '签订租赁合同',
  'lease.renew': '续签租赁合同',
  'lease.end': '租赁合同终止',
  'payment.receive': '收款',
  'payment.reverse': '收款冲正',
  'rent.charge': '应收租金',
  'rent.charge_cancel': '撤销费用',
  'dunning.action': '催缴',
  // upkeep/timeline.c: patrols, violation cases, renovations, work orders
  'patrol.finding': '巡查发现问题',
  'violation.report': '登记违规案件',
  'violation.investigate': '违规调查',
  'violation.propose': '违规处理建议',
  'violation.confirm': '认定违规',
  'violation.dismiss': '不予认定违规',
  'violation.order_rectification': '责令整改',
  'violation.rectify': '违规已整改',
  'violation.refer': '违规移送清退',
  'renovation.request': '装修申请',
  'renovation.check': '装修申请审核',
  'renovation.approve': '批准装修',
  'renovation.refuse': '不予批准装修',
  'renovation.done': '装修完工',
  'work_order.raise': '报修',
  'work_order.assign': '维修派单',
  'work_order.reopen': '维修返工',
  'work_order.start': '开始维修',
  'work_order.done': '维修完工',
  'work_order.confirm': '维修回访确认',
  'payer_account.create': '登记缴款银行账户',
  'payer_account.update': '修改缴款银行账户',
  'payer_account.forget': '撤销匹配，移除对账学到的缴款账户',
  'payer_account.reveal': '查看完整银行账号',
};

export const actionTitle = (action) => ACTIONS[action] || action;

const OBJECTS = {
  unit: '房屋',
  household: '住户',
  person: '人员',
  member: '家庭成员',
  asset: '设施设备',
  acceptance_check: '分户核验',
  community: '小区',
  building: '楼栋',
};
export const objectTitle = (type) => OBJECTS[type] || type;

const RELATIONSHIPS = { head: '户主', spouse: '配偶', child: '子女', parent: '父母', sibling: '兄弟姐妹', other: '其他' };
const CONDITIONS = { good: '完好', fair: '一般', poor: '较差', broken: '损坏' };

// Household categories by code, as the server names them (households.js
// passes them on once it has loaded them; a timeline already drawn is
// drawn again).
const categoryNames = reactive({});
export function knowCategories(list) {
  for (const c of list) categoryNames[c.code] = c.name;
}

// The fields people care about, in this order, each with its label and how
// its value reads; anything else (ids, hashes) is left to 详细.
const membersText = (v) =>
  Array.isArray(v) ? v.map((m) => `${m.name}（${RELATIONSHIPS[m.relationship] || m.relationship}）`).join('、') : v;

const STATES = { draft: '待签字', signed: '待确认', confirmed: '已确认', active: '正常', closed: '已注销' };
const FIELDS = [
  ['status', '状态', statusTitle],
  ['state', '状态', (v) => STATES[v] || v],
  ['reason', '原因'],
  ['note', '说明'],
  ['notes', '备注'],
  ['name', '姓名'],
  ['relationship', '关系', (v) => RELATIONSHIPS[v] || v],
  ['id_number', '身份证号'],
  ['phone', '电话'],
  ['sex', '性别', (v) => ({ male: '男', female: '女' })[v] || v],
  ['birth_date', '出生日期'],
  ['number', '房号'],
  ['holder_name', '户名'],
  ['bank_name', '开户行'],
  ['entrance', '单元'],
  ['floor', '楼层'],
  ['layout', '户型'],
  ['floor_area', '建筑面积', (v) => `${(v / 100).toFixed(2)} ㎡`],
  ['usable_area', '使用面积', (v) => `${(v / 100).toFixed(2)} ㎡`],
  ['orientation', '朝向'],
  ['type', '名称'],
  ['condition', '状况', (v) => CONDITIONS[v] || v],
  ['quantity', '数量'],
  ['warranty_end', '保修至'],
  ['category', '类别', (v) => categoryNames[v] || categoryTitle(v)],
  ['filename', '文件名'],
  ['size', '大小', sizeText],
  ['field', '查看内容', (v) => ({ id_number: '身份证号', phone: '电话' })[v] || v],
  ['hukou', '户籍'],
  ['employer', '工作单位'],
  ['monthly_income_fen', '家庭月收入', (v) => `${yuanText(v)} 元`],
  ['assets_fen', '家庭资产', (v) => `${yuanText(v)} 元`],
  ['assets_note', '资产说明'],
  ['current_housing', '现住房情况'],
  ['head_name', '户主'],
  ['items', '核验项', (v) => (Array.isArray(v) ? `${v.length} 项` : v)],
  ['members', '成员', membersText],
];

function value(show, v) {
  if (v === null || v === undefined || v === '') return '（空）';
  if (show) return show(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// Fields that mean something else on some records, by the action's record
// ("payer_account.create" is audited on the household): a payer account's
// "number" is a bank account number, not a unit's.
const LABELS_OF = {
  payer_account: { number: '银行账号' },
  bank_account: { number: '银行账号' },
};

// "状态：空置 → 维修中；原因：漏水" from {before, after} of an event of
// action; '' when nothing shows.
export function changeText(detail, action = '') {
  if (!detail || typeof detail !== 'object') return '';
  const before = detail.before && typeof detail.before === 'object' ? detail.before : {};
  const after = detail.after && typeof detail.after === 'object' ? detail.after : {};
  const parts = [];
  const labels = LABELS_OF[action.split('.')[0]] || {};
  for (const [key, fieldLabel, show] of FIELDS) {
    const label = labels[key] || fieldLabel;
    const was = key in before;
    const is = key in after;
    if (was && is) {
      const same = JSON.stringify(before[key]) === JSON.stringify(after[key]);
      if (!same) parts.push(`${label}：${value(show, before[key])} → ${value(show, after[key])}`);
      else if ((key === 'reason' || key === 'note') && after[key]) parts.push(`${label}：${value(show, after[key])}`);
    } else if (is && after[key] !== '' && after[key] !== null) {
      parts.push(`${label}：${value(show, after[key])}`);
    } else if (was && !is) {
      parts.push(`${label}：${value(show, before[key])} → （空）`);
    }
  }
  return parts.join('；');
}
