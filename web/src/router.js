// The console's routes.  A route with meta.op is offered only to roles that
// may call that operation (see session.js); meta.nav puts it in the side
// navigation.  Pages are loaded on demand.
import { createRouter, createWebHistory } from 'vue-router';
import { ElMessage } from 'element-plus';
import { setSessionHandlers } from './api.js';
import { session, loadSession, can, forget } from './session.js';
import ConsoleLayout from './layout/ConsoleLayout.vue';
import LoginPage from './access/LoginPage.vue';

const routes = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true, title: '登录' } },
  {
    path: '/password',
    name: 'password',
    component: () => import('./access/ChangePassword.vue'),
    meta: { title: '修改密码' },
  },
  {
    path: '/',
    component: ConsoleLayout,
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('./home/HomePage.vue'),
        meta: { title: '首页', nav: { icon: 'HomeFilled', order: 0 } },
      },
      {
        path: 'communities',
        name: 'communities',
        component: () => import('./housing/CommunitiesPage.vue'),
        meta: { title: '小区', op: 'GET /api/v1/communities', nav: { icon: 'OfficeBuilding', order: 1 } },
      },
      {
        path: 'grid',
        name: 'grid',
        component: () => import('./housing/GridPage.vue'),
        meta: { title: '楼盘表', op: 'GET /api/v1/buildings/{id}/grid', nav: { icon: 'Grid', order: 2 } },
      },
      {
        path: 'units',
        name: 'units',
        component: () => import('./housing/UnitsPage.vue'),
        meta: { title: '房源', op: 'GET /api/v1/units', nav: { icon: 'House', order: 3 } },
      },
      {
        path: 'units/:id(\\d+)',
        name: 'unit',
        component: () => import('./housing/UnitDossier.vue'),
        meta: { title: '一房一档', op: 'GET /api/v1/units/{id}/dossier' },
      },
      {
        path: 'acceptance',
        name: 'acceptance',
        component: () => import('./housing/AcceptancePage.vue'),
        meta: { title: '分户核验', op: 'GET /api/v1/acceptance-checks', nav: { icon: 'Finished', order: 4 } },
      },
      {
        path: 'households',
        name: 'households',
        component: () => import('./households/HouseholdsPage.vue'),
        meta: { title: '住户', op: 'GET /api/v1/households', nav: { icon: 'UserFilled', order: 5 } },
      },
      {
        path: 'households/:id(\\d+)',
        name: 'household',
        component: () => import('./households/HouseholdDossier.vue'),
        meta: { title: '一户一档', op: 'GET /api/v1/households/{id}/dossier' },
      },
      {
        path: 'my-household',
        name: 'my-household',
        component: () => import('./households/HouseholdDossier.vue'),
        props: { mine: true },
        meta: { title: '我的家庭', op: 'GET /api/v1/my/household', nav: { icon: 'House', order: 6 } },
      },
      {
        path: 'imports',
        name: 'imports',
        component: () => import('./imports/ImportPage.vue'),
        meta: { title: '导入', op: 'POST /api/v1/imports/units', nav: { icon: 'Upload', order: 7 } },
      },
      // Money: the counter, a household's account, receipt books.
      {
        path: 'counter',
        name: 'counter',
        component: () => import('./money/CounterPage.vue'),
        meta: { title: '收款台', op: 'POST /api/v1/payments', nav: { icon: 'Money', order: 8 } },
      },
      {
        path: 'households/:id(\\d+)/account',
        name: 'household-account',
        component: () => import('./money/AccountPage.vue'),
        meta: { title: '家庭账户', op: 'GET /api/v1/households/{id}/account' },
      },
      {
        path: 'receipt-books',
        name: 'receipt-books',
        component: () => import('./money/ReceiptBooksPage.vue'),
        meta: { title: '票据管理', op: 'GET /api/v1/receipt-books', nav: { icon: 'Tickets', order: 9 } },
      },
      {
        path: 'receipt-books/:id(\\d+)/write-off',
        name: 'receipt-book-write-off',
        component: () => import('./money/WriteOffPage.vue'),
        meta: { title: '票据核销表', op: 'GET /api/v1/receipt-books/{id}/write-off' },
      },
      // Tenancy: applications, their review and publicity.
      {
        path: 'applications',
        name: 'applications',
        component: () => import('./tenancy/ApplicationsPage.vue'),
        meta: { title: '申请受理', op: 'GET /api/v1/applications', nav: { icon: 'Memo', order: 11 } },
      },
      {
        path: 'applications/:id(\\d+)',
        name: 'application',
        component: () => import('./tenancy/ApplicationDetail.vue'),
        meta: { title: '申请详情', op: 'GET /api/v1/applications/{id}' },
      },
      {
        path: 'publicity',
        name: 'publicity',
        component: () => import('./tenancy/PublicityPage.vue'),
        meta: { title: '公示', op: 'GET /api/v1/publicity', nav: { icon: 'Notification', order: 12 } },
      },
      {
        path: 'handovers',
        name: 'handovers',
        component: () => import('./tenancy/HandoverPage.vue'),
        meta: { title: '入住退房', op: 'GET /api/v1/handovers', nav: { icon: 'Key', order: 14 } },
      },
      {
        path: 'handovers/:id(\\d+)',
        name: 'handover',
        component: () => import('./tenancy/HandoverForm.vue'),
        meta: { title: '交接单', op: 'GET /api/v1/handovers/{id}' },
      },
      {
        path: 'leases/:id(\\d+)/handovers',
        name: 'lease-handovers',
        component: () => import('./tenancy/HandoverPage.vue'),
        meta: { title: '合同的交接单', op: 'GET /api/v1/leases/{id}/handovers' },
      },
      // Tenancy: the waitlist and allocation batches (配租).
      {
        path: 'waitlist',
        name: 'waitlist',
        component: () => import('./tenancy/WaitlistPage.vue'),
        meta: { title: '轮候名单', op: 'GET /api/v1/waitlist', nav: { icon: 'Sort', order: 13 } },
      },
      {
        path: 'allocations',
        name: 'allocations',
        component: () => import('./tenancy/AllocationsPage.vue'),
        meta: { title: '配租批次', op: 'GET /api/v1/allocations', nav: { icon: 'Tickets', order: 13.5 } },
      },
      {
        path: 'allocations/new',
        name: 'allocation-new',
        component: () => import('./tenancy/AllocationWizard.vue'),
        meta: { title: '新建配租批次', op: 'POST /api/v1/allocations' },
      },
      {
        path: 'allocations/:id(\\d+)',
        name: 'allocation',
        component: () => import('./tenancy/AllocationWizard.vue'),
        meta: { title: '配租批次', op: 'GET /api/v1/allocations/{id}' },
      },
      // Tenancy: leases (租赁合同).
      {
        path: 'leases',
        name: 'leases',
        component: () => import('./tenancy/LeasesPage.vue'),
        meta: { title: '合同管理', op: 'GET /api/v1/leases', nav: { icon: 'Memo', order: 13.7 } },
      },
      {
        path: 'leases/new',
        name: 'lease-new',
        component: () => import('./tenancy/LeaseSignForm.vue'),
        meta: { title: '签订合同', op: 'POST /api/v1/leases' },
      },
      {
        path: 'leases/:id(\\d+)',
        name: 'lease',
        component: () => import('./tenancy/LeaseDetail.vue'),
        meta: { title: '合同详情', op: 'GET /api/v1/leases/{id}' },
      },
      {
        path: 'renewals',
        name: 'renewals',
        component: () => import('./tenancy/RenewalsPage.vue'),
        meta: { title: '续签提醒', op: 'GET /api/v1/leases/renewals-due', nav: { icon: 'AlarmClock', order: 13.8 } },
      },
      // Tenancy: policy and eligibility rules, department datasets (联审).
      {
        path: 'tenancy-rules',
        name: 'tenancy-rules',
        component: () => import('./tenancy/RulesPage.vue'),
        meta: { title: '政策与资格标准', op: 'GET /api/v1/tenancy-rules', nav: { icon: 'Document', order: 15 } },
      },
      {
        path: 'datasets',
        name: 'datasets',
        component: () => import('./tenancy/DatasetsPage.vue'),
        meta: { title: '联审数据', op: 'GET /api/v1/datasets', nav: { icon: 'Upload', order: 15.5 } },
      },
      // Tenancy: the quarterly recheck (动态复核) and evictions (清退).
      {
        path: 'rechecks',
        name: 'rechecks',
        component: () => import('./tenancy/RecheckPage.vue'),
        meta: { title: '动态复核', op: 'GET /api/v1/rechecks', nav: { icon: 'Odometer', order: 13.9 } },
      },
      {
        path: 'rechecks/:id(\\d+)',
        name: 'recheck-run',
        component: () => import('./tenancy/RecheckRunPage.vue'),
        meta: { title: '复核结果', op: 'GET /api/v1/rechecks/{id}/results' },
      },
      {
        path: 'evictions',
        name: 'evictions',
        component: () => import('./tenancy/EvictionBoard.vue'),
        meta: { title: '清退管理', op: 'GET /api/v1/evictions', nav: { icon: 'WarningFilled', order: 14.5 } },
      },
      {
        path: 'evictions/:id(\\d+)',
        name: 'eviction',
        component: () => import('./tenancy/EvictionDetail.vue'),
        meta: { title: '清退案件', op: 'GET /api/v1/evictions/{id}' },
      },
      // 房屋使用与维护: work orders (issue 8, part C).
      {
        path: 'upkeep/work-orders',
        name: 'work-orders',
        component: () => import('./upkeep/WorkOrderBoard.vue'),
        meta: { title: '维修工单', op: 'GET /api/v1/work-orders', nav: { icon: 'Tickets', order: 16.7 } },
      },
      {
        path: 'upkeep/work-orders/new',
        name: 'work-order-new',
        component: () => import('./upkeep/WorkOrderNew.vue'),
        meta: { title: '登记报修', op: 'POST /api/v1/work-orders' },
      },
      {
        path: 'upkeep/work-orders/:id(\\d+)',
        name: 'work-order',
        component: () => import('./upkeep/WorkOrderDetail.vue'),
        meta: { title: '维修工单', op: 'GET /api/v1/work-orders/{id}' },
      },
      {
        path: 'upkeep/preventive-plans',
        name: 'preventive-plans',
        component: () => import('./upkeep/PreventivePlans.vue'),
        meta: { title: '预防性维护', op: 'GET /api/v1/preventive-plans', nav: { icon: 'AlarmClock', order: 16.8 } },
      },
      {
        path: 'upkeep/maintenance-ledger',
        name: 'maintenance-ledger',
        component: () => import('./upkeep/MaintenanceLedger.vue'),
        meta: { title: '维修台账', op: 'GET /api/v1/maintenance-ledger', nav: { icon: 'DataAnalysis', order: 16.9 } },
      },
      {
        path: 'upkeep/violations',
        name: 'violations',
        component: () => import('./upkeep/ViolationBoard.vue'),
        meta: { title: '违规案件', op: 'GET /api/v1/violations', nav: { icon: 'WarningFilled', order: 16.5 } },
      },
      {
        path: 'upkeep/violations/:id(\\d+)',
        name: 'violation',
        component: () => import('./upkeep/ViolationDetail.vue'),
        meta: { title: '违规案件', op: 'GET /api/v1/violations/{id}' },
      },
      {
        path: 'upkeep/renovations',
        name: 'renovations',
        component: () => import('./upkeep/RenovationList.vue'),
        meta: { title: '装修申请', op: 'GET /api/v1/renovations', nav: { icon: 'House', order: 16.6 } },
      },
      {
        path: 'rent/dunning',
        name: 'dunning',
        component: () => import('./rent/DunningPage.vue'),
        meta: { title: '催缴管理', op: 'GET /api/v1/arrears', nav: { icon: 'AlarmClock', order: 9.62 } },
      },
      {
        path: 'rent/dunning/cases/:id(\\d+)',
        name: 'dunning-case',
        component: () => import('./rent/DunningCase.vue'),
        meta: { title: '催缴案件', op: 'GET /api/v1/dunning-cases/{id}' },
      },
      {
        path: 'rent/dunning/levels',
        name: 'dunning-levels',
        component: () => import('./rent/DunningLevels.vue'),
        meta: { title: '催缴设置', op: 'GET /api/v1/dunning-levels', nav: { icon: 'Notification', order: 9.63 } },
      },
      {
        path: 'rent/sms-gateway',
        name: 'sms-gateway',
        component: () => import('./rent/SmsSender.vue'),
        meta: { title: '短信网关', op: 'GET /api/v1/outbox-sender', nav: { icon: 'Notification', order: 32 } },
      },
      {
        path: 'rent/standards',
        name: 'rent-standards',
        component: () => import('./rent/RentStandards.vue'),
        meta: { title: '租金标准', op: 'GET /api/v1/rent-standards', nav: { icon: 'Memo', order: 9.5 } },
      },
      {
        path: 'rent/billing',
        name: 'billing-runs',
        component: () => import('./rent/BillingRun.vue'),
        meta: { title: '计租', op: 'GET /api/v1/billing-runs', nav: { icon: 'Tickets', order: 9.55 } },
      },
      {
        path: 'upkeep/reports',
        name: 'upkeep-reports',
        component: () => import('./upkeep/UpkeepReports.vue'),
        meta: { title: '房屋使用报表', op: 'GET /api/v1/reports/vacant-units', nav: { icon: 'DataAnalysis', order: 18 } },
      },
      {
        path: 'rent/reports',
        name: 'rent-reports',
        component: () => import('./rent/ReportsPage.vue'),
        meta: { title: '租金报表', op: 'GET /api/v1/reports/collection', nav: { icon: 'DataAnalysis', order: 9.6 } },
      },
      {
        path: 'rent/dashboard',
        name: 'finance-dashboard',
        component: () => import('./rent/FinanceDashboard.vue'),
        meta: { title: '财务看板', op: 'GET /api/v1/reports/dashboard', nav: { icon: 'TrendCharts', order: 9.7 } },
      },
      {
        path: 'rent/withholding',
        name: 'withholding',
        component: () => import('./rent/WithholdingPage.vue'),
        meta: { title: '批量代扣', op: 'GET /api/v1/withholding/batches', nav: { icon: 'Money', order: 9.65 } },
      },
      {
        path: 'rent/payment-channels',
        name: 'payment-channels',
        component: () => import('./rent/PaymentChannels.vue'),
        meta: { title: '支付渠道', op: 'POST /api/v1/payment-channels', nav: { icon: 'Key', order: 31 } },
      },
      {
        path: 'rent/bank-statements',
        name: 'bank-statements',
        component: () => import('./rent/BankStatements.vue'),
        meta: { title: '银行对账单', op: 'GET /api/v1/bank-statements', nav: { icon: 'Upload', order: 9.66 } },
      },
      {
        path: 'rent/match-review',
        name: 'match-review',
        component: () => import('./rent/MatchReview.vue'),
        meta: { title: '对账匹配', op: 'GET /api/v1/bank-lines', nav: { icon: 'Finished', order: 9.67 } },
      },
      {
        path: 'rent/bank-accounts',
        name: 'bank-accounts',
        component: () => import('./rent/BankAccounts.vue'),
        meta: { title: '银行账户', op: 'GET /api/v1/bank-accounts', nav: { icon: 'OfficeBuilding', order: 9.68 } },
      },
      {
        path: 'rent/owner-statements',
        name: 'owner-statements',
        component: () => import('./rent/OwnerStatements.vue'),
        meta: { title: '产权单位对账', op: 'GET /api/v1/owners/{id}/statements/{period}', nav: { icon: 'Stamp', order: 9.69 } },
      },
      {
        path: 'm/patrol',
        name: 'patrol-today',
        component: () => import('./upkeep/mobile/MobileRounds.vue'),
        meta: { title: '今日巡查', op: 'POST /api/v1/patrol-rounds/{id}/visits', nav: { icon: 'Odometer', order: 16 } },
      },
      {
        path: 'm/patrol/:id(\\d+)',
        name: 'patrol-walk',
        component: () => import('./upkeep/mobile/MobileRound.vue'),
        meta: { title: '巡查', op: 'POST /api/v1/patrol-rounds/{id}/visits' },
      },
      {
        path: 'patrol/rounds',
        name: 'patrol-rounds',
        component: () => import('./upkeep/PatrolRounds.vue'),
        meta: { title: '巡查任务', op: 'GET /api/v1/patrol-rounds', nav: { icon: 'Finished', order: 16.1 } },
      },
      {
        path: 'patrol/rounds/:id(\\d+)',
        name: 'patrol-round',
        component: () => import('./upkeep/PatrolRound.vue'),
        meta: { title: '巡查任务详情', op: 'GET /api/v1/patrol-rounds/{id}' },
      },
      {
        path: 'patrol/plans',
        name: 'patrol-plans',
        component: () => import('./upkeep/PatrolPlans.vue'),
        meta: { title: '巡查计划', op: 'GET /api/v1/communities/{id}/patrol-plans', nav: { icon: 'AlarmClock', order: 16.2 } },
      },
      {
        path: 'patrol/points',
        name: 'patrol-points',
        component: () => import('./upkeep/PatrolPoints.vue'),
        meta: { title: '巡查点与标签', op: 'GET /api/v1/communities/{id}/patrol-points', nav: { icon: 'Grid', order: 16.3 } },
      },
      {
        path: 'patrol/library',
        name: 'patrol-library',
        component: () => import('./upkeep/PatrolLibrary.vue'),
        meta: { title: '巡查项目库', op: 'GET /api/v1/patrol-items', nav: { icon: 'Memo', order: 16.4 } },
      },
      {
        path: 'search',
        name: 'search',
        component: () => import('./search/SearchPage.vue'),
        meta: { title: '搜索', op: 'POST /api/v1/search' },
      },
      {
        path: 'approvals',
        name: 'approvals',
        component: () => import('./approvals/ApprovalsPage.vue'),
        meta: { title: '审批', op: 'GET /api/v1/approvals', nav: { icon: 'Stamp', order: 10 } },
      },
      {
        path: 'accounts',
        name: 'accounts',
        component: () => import('./access/AccountsPage.vue'),
        meta: { title: '账号管理', op: 'GET /api/v1/accounts', nav: { icon: 'User', order: 20 } },
      },
      {
        path: 'api-keys',
        name: 'api-keys',
        component: () => import('./access/ApiKeysPage.vue'),
        meta: { title: 'API 密钥', op: 'GET /api/v1/api-keys', nav: { icon: 'Key', order: 30 } },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('./audit/AuditPage.vue'),
        meta: { title: '审计日志', op: 'GET /api/v1/audit', nav: { icon: 'Document', order: 40 } },
      },
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('./errors/ForbiddenPage.vue'),
        meta: { title: '无权访问' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('./errors/NotFoundPage.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

function toLogin(notice) {
  const current = router.currentRoute.value;
  if (current.meta.public) return;
  const redirect = current.name === 'password' ? current.query.redirect : current.fullPath;
  router.replace({ name: 'login', query: { redirect: redirect || undefined, notice } });
}

setSessionHandlers({
  // The session ended (idle 30 minutes, 12 hours, or signed out elsewhere):
  // back to the login page, keeping the route and the open form's draft.
  unauthorized() {
    forget({ keepDrafts: true });
    toLogin('expired');
  },
  passwordRequired() {
    if (session.me) session.me.must_change_password = true;
    const current = router.currentRoute.value;
    router.replace({ name: 'password', query: { redirect: current.fullPath } });
  },
  // The CSRF token lives in this tab's sessionStorage; a tab opened some
  // other way has none, and signing in again is the only way to get one.
  csrfLost() {
    ElMessage.warning({ message: '此标签页的登录凭据已失效，请重新登录；未提交的内容已保留。', grouping: true });
    forget({ keepDrafts: true });
    toLogin('csrf');
  },
});

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  if (!session.me) {
    try {
      await loadSession();
    } catch (e) {
      const redirect = to.fullPath === '/' ? undefined : to.fullPath;
      if (e.status === 401) return { name: 'login', query: { redirect } };
      return { name: 'login', query: { redirect, notice: 'unreachable' } };
    }
  }
  if (session.me.must_change_password && to.name !== 'password') {
    return { name: 'password', query: { redirect: to.fullPath === '/' ? undefined : to.fullPath } };
  }
  if (to.meta.op && !can(to.meta.op)) {
    return { name: 'forbidden', query: { from: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 安居` : '安居 · 公租房运营管理';
});

// A page chunk that cannot be loaded (a new build replaced it, or the network
// dropped): reload once at the wanted address.
router.onError((err, to) => {
  if (!/dynamically imported module|Importing a module script failed/i.test(String(err?.message))) return;
  if (sessionStorage.getItem('anju.reloaded') === to.fullPath) {
    sessionStorage.removeItem('anju.reloaded');
    ElMessage.error('页面加载失败，请检查网络后刷新');
    return;
  }
  sessionStorage.setItem('anju.reloaded', to.fullPath);
  window.location.assign(to.fullPath);
});
