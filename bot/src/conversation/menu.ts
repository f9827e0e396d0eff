/**
 * The WeCom application menu (3 top-level buttons, at most 5 items each), kept in code and pushed with
 * `fieldline wecom:menu`. Every item is a `click` whose EventKey maps to the text command of DESIGN §7,
 * so the menu and typed commands are one and the same flow.
 * Menu API: https://developer.work.weixin.qq.com/document/path/90231 (创建菜单).
 */
export interface MenuItem {
  readonly name: string;
  /** The click EventKey WeCom sends back. */
  readonly key: string;
  /** The text command the click stands for; none for the scanner, whose result is input to the flow. */
  readonly command?: string;
  /**
   * `click` (default), or `scancode_waitmsg`: WeCom opens the camera's barcode scanner and sends the result
   * as an event the flow in progress takes as input (device serials when completing an order).
   */
  readonly type?: 'click' | 'scancode_waitmsg';
}

export interface MenuGroup {
  readonly name: string;
  readonly items: readonly MenuItem[];
}

export const APP_MENU: readonly MenuGroup[] = [
  {
    name: '上报',
    items: [
      { name: '隐患上报', key: 'REPORT_HAZARD', command: '隐患' },
      { name: '商机上报', key: 'REPORT_LEAD', command: '商机' },
      { name: '线下报竣', key: 'COMPLETION', command: '报竣' },
      { name: '扫码录入', key: 'SCAN_SERIAL', type: 'scancode_waitmsg' },
    ],
  },
  {
    name: '支撑',
    items: [
      { name: '我要提问', key: 'ASK_QUESTION', command: '提问' },
      { name: '现场支撑', key: 'ONSITE_SUPPORT', command: '支撑' },
      { name: '知识查询', key: 'KB_SEARCH', command: '查询' },
      { name: '我的', key: 'MY_ITEMS', command: '我的' },
    ],
  },
  {
    name: '学习',
    items: [
      { name: '我爱闯关', key: 'QUIZ', command: '闯关' },
      { name: '三级支撑评价', key: 'RATING', command: '评价' },
      { name: '优秀案例', key: 'BEST_CASES', command: '案例' },
      { name: '培训视频', key: 'VIDEOS', command: '视频' },
      { name: '通知公告', key: 'NOTICES', command: '通知' },
    ],
  },
];

/** The text command a menu click stands for, if the key is ours. */
export function commandForEventKey(key: string): string | undefined {
  for (const group of APP_MENU) {
    const item = group.items.find((candidate) => candidate.key === key);
    if (item) return item.command;
  }
  return undefined;
}

/** The body of WeCom's menu/create. */
export function toWecomMenu(menu: readonly MenuGroup[] = APP_MENU): { button: unknown[] } {
  if (menu.length < 1 || menu.length > 3) throw new Error('a WeCom menu has 1 to 3 top-level buttons');
  return {
    button: menu.map((group) => {
      if (group.items.length < 1 || group.items.length > 5)
        throw new Error(`menu "${group.name}" needs 1 to 5 items`);
      return {
        name: group.name,
        sub_button: group.items.map((item) => ({
          type: item.type ?? 'click',
          name: item.name,
          key: item.key,
        })),
      };
    }),
  };
}
