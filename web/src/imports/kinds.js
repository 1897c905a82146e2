// What can be imported, with the columns of each kind as the server reads
// them (Chinese headers; the server also takes its English names), an
// example of each, and the template a user fills in: a CSV with the header
// row made in the browser.

export const KINDS = [
  {
    name: 'units',
    title: '房源',
    about: '每行一套房屋；楼栋不存在时自动新建。同一小区内房号相同且内容一致的行视为已导入，重复导入不会重复登记。',
    columns: [
      { name: '小区', required: true, example: '南苑公租房', note: '系统中已有的小区名称' },
      { name: '楼栋', required: true, example: '3', note: '楼栋名称，如 3 或 3号楼' },
      { name: '单元', required: true, example: '2', note: '正整数' },
      { name: '楼层', required: true, example: '15', note: '地下层为负数，如 -1' },
      { name: '房号', required: true, example: '3-2-1502', note: '在小区内唯一' },
      { name: '户型', required: false, example: '一室一厅', note: '' },
      { name: '建筑面积', required: true, example: '45.50', note: '平方米，最多两位小数' },
      { name: '使用面积', required: true, example: '36.20', note: '平方米，不大于建筑面积' },
      { name: '朝向', required: false, example: '南北', note: '' },
    ],
  },
  {
    name: 'households',
    title: '住户',
    about:
      '每行一名家庭成员，户号相同的行为同一户，每户有且只有一名户主。户主身份证号已登记的住户视为已导入，重复导入不会重复登记。',
    columns: [
      { name: '户号', required: true, example: '1', note: '仅用于在本文件中区分各户' },
      { name: '小区', required: true, example: '南苑公租房', note: '住户所属小区的名称' },
      { name: '类别', required: true, example: '新就业无房职工', note: '住户类别的名称或代码' },
      { name: '户籍', required: false, example: '湖北省咸宁市咸安区', note: '' },
      { name: '工作单位', required: false, example: '咸宁市某某公司', note: '' },
      { name: '月收入', required: false, example: '3500.00', note: '家庭月收入，元' },
      { name: '资产', required: false, example: '20000.00', note: '家庭资产，元' },
      { name: '现住房情况', required: false, example: '租住', note: '' },
      { name: '姓名', required: true, example: '张三', note: '' },
      { name: '身份证号', required: true, example: '18 位身份证号', note: 'Excel 中请将此列设为文本格式' },
      { name: '电话', required: false, example: '11 位手机号', note: 'Excel 中请将此列设为文本格式' },
      { name: '与户主关系', required: true, example: '户主', note: '户主、配偶、子女、父母、兄弟姐妹、其他' },
    ],
  },
];

export const kindOf = (name) => KINDS.find((k) => k.name === name);

// The template: the header row, as CSV.
export const templateCsv = (kind) => kindOf(kind).columns.map((c) => c.name).join(',') + '\r\n';
