// What the housing entry forms offer to pick from (a clerk may still type
// anything else), and the unit number they suggest.

export const LAYOUTS = ['单间', '一室一厅', '一室一厅一卫', '两室一厅', '两室两厅', '三室一厅', '三室两厅', '四室两厅'];
export const ORIENTATIONS = ['南北', '南', '北', '东', '西', '东南', '西南', '东北', '西北', '东西'];
export const ASSET_TYPES = ['空调', '热水器', '燃气灶', '抽油烟机', '洗衣机', '冰箱', '床', '衣柜', '书桌', '门锁', '窗帘', '灯具'];

// The rooms and items an acceptance check (分户核验) usually goes through.
export const CHECK_ROOMS = ['客厅', '卧室', '厨房', '卫生间', '阳台'];
export const CHECK_ITEMS = ['墙面', '门窗', '水电'];

// A building's number for unit numbers: "3号楼" -> "3"; a name without a
// number stays as it is.
export function buildingCode(b) {
  const m = /\d+/.exec(b?.name || '');
  return m ? m[0] : b?.name || '';
}

// A floor in a unit number: 15 -> "15", 3 -> "03", a basement -1 -> "B1".
export const floorCode = (floor) => (floor < 0 ? `B${-floor}` : String(floor).padStart(2, '0'));

// The first free number on a floor of an entrance, as 3-2-1502 (building 3,
// entrance 2, floor 15, door 02); '' until the three are known.  taken: the
// numbers already used (a Set).
export function suggestNumber(building, entrance, floor, taken = new Set()) {
  if (!building || !entrance || !floor) return '';
  const prefix = `${buildingCode(building)}-${entrance}-${floorCode(floor)}`;
  for (let door = 1; door < 100; door++) {
    const n = `${prefix}${String(door).padStart(2, '0')}`;
    if (!taken.has(n)) return n;
  }
  return '';
}

// The fields of a changed record that differ from the original: what a PATCH
// sends.
export function changedFields(original, edited) {
  const out = {};
  for (const [k, v] of Object.entries(edited)) if (v !== original[k]) out[k] = v;
  return out;
}
