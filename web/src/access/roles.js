// The roles as the UI names them.  The server decides who may do what; this
// table only gives titles, a line on each role, and the roles an admin may
// put into an account request (the server refuses the others too).
export const ROLES = [
  { name: 'admin', title: '系统管理员', about: '创建业务账号（经安全管理员批准后生效），维护系统设置。' },
  { name: 'security', title: '安全管理员', about: '审批账号申请，分配角色与小区范围，签发 API 密钥，解除登录锁定。' },
  { name: 'auditor', title: '审计员', about: '查阅审计日志并校验其完整性。' },
  { name: 'bureau', title: '住房保障部门', about: '审批、监督公租房运营，考核承接主体。' },
  { name: 'operator_manager', title: '运营主管', about: '管理所负责小区的日常运营与人员。' },
  { name: 'operator_staff', title: '运营人员', about: '办理所负责小区的日常业务。' },
  { name: 'finance', title: '财务人员', about: '租金收缴、票据与对账。' },
  { name: 'inspector', title: '巡查人员', about: '房屋巡查与违规核查。' },
  { name: 'assessor', title: '第三方评估', about: '满意度测评与绩效评估。' },
  { name: 'tenant', title: '承租人', about: '查看本户信息、缴纳租金、报修与反馈。' },
];

export const BUSINESS_ROLES = ['bureau', 'operator_manager', 'operator_staff', 'finance', 'inspector', 'assessor'];

export function roleTitle(name) {
  return ROLES.find((r) => r.name === name)?.title || name || '—';
}

export function roleAbout(name) {
  return ROLES.find((r) => r.name === name)?.about || '';
}
