/**
 * Field handbook search under load: fills a fresh database with generated Chinese handbook entries
 * (20,000 by default: a device, a fault, a setting, causes and numbered steps, 200–600 characters each),
 * indexes them through the real commands, then times a few hundred varied queries through the real
 * `searchKnowledge` — device + fault, typos with an extra character, spaces, ASCII codes (691, LOID),
 * whole sentences, and queries that match nothing — and prints p50/p95/p99 and the indexing time.
 *
 *   node -r ./bot/test/ts-register.js scripts/bench/kb-search.ts [--entries 20000] [--queries 500]
 *        [--mysql | --mysql-url mysql://user@host:3306/db] [--skip-sqlite]
 *
 * SQLite always runs (a temporary file) unless --skip-sqlite. MySQL/MariaDB runs only with --mysql: on
 * --mysql-url, else DATABASE_URL when it names MySQL, else mysql://root@127.0.0.1:3306/fieldline_bench_kb.
 * That database is dropped and created afresh, and dropped again at the end, so its name must contain
 * "bench" — anything else is refused, never dropped.
 */
import 'reflect-metadata';
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DatabaseConfig } from '../../bot/src/config';
import { inTransaction } from '../../bot/src/db/transaction';
import { countKbTerms, createKbEntry, searchKnowledge } from '../../bot/src/features/knowledge';
import {
  analyzeTables,
  BENCH_DATABASE_OPTIONS,
  runOnBenchDatabases,
  withMigratedDatabase,
} from './bench-database';
import { seededRandom } from './seeded-random';

const DEFAULT_MYSQL = 'mysql://root@127.0.0.1:3306/fieldline_bench_kb';

const DEVICES = [
  '光猫',
  '机顶盒',
  '无线路由器',
  '分光器',
  '皮线光缆',
  '尾纤',
  '网线',
  '交换机',
  'ONU',
  '语音网关',
  '光交箱',
  '分纤箱',
  '电话机',
  '无线AP',
  '电力猫',
  'IPTV盒子',
  '天翼网关',
  '融合终端',
];
const FAULTS = [
  '注册失败',
  '无信号',
  '花屏',
  '卡顿',
  '频繁掉线',
  '光功率过低',
  'LOS灯红',
  'PON灯闪烁',
  '拨号691错误',
  '拨号678错误',
  '网速慢',
  '无法上网',
  '黑屏',
  '没有声音',
  '反复重启',
  'IP地址冲突',
  'DNS解析失败',
  'WiFi信号弱',
  '串号不匹配',
  '认证超时',
  '无法获取地址',
  '遥控器失灵',
  '组播不通',
  '语音无拨号音',
];
const PLACES = [
  '高层住宅',
  '老旧小区',
  '农村自建房',
  '沿街商铺',
  '新建小区',
  '写字楼',
  '学校宿舍',
  '工业园区',
];
const ORDERS = ['新装', '移机', '改装', '修障', '提速', '拆机'];
const BRANDS = ['华为', '中兴', '烽火', '贝尔', '创维', '天邑', '九联', '长虹'];
const CAUSES = [
  'LOID 或密码录入错误',
  '光纤端面污染',
  '尾纤弯曲半径过小',
  '分光器端口损坏',
  '账号欠费停机',
  'VLAN 配置与局端不一致',
  '设备固件版本过旧',
  '用户自行更换了设备',
  '皮线光缆被挤压',
  '光交箱跳纤错误',
  '机顶盒 IP 获取失败',
  '无线信道干扰严重',
  '入户网线水晶头氧化',
  'OLT 侧未下发业务数据',
  '电源适配器老化',
];
const STEPS = [
  '用光功率计测试入户光功率，正常范围为 -8 至 -27 dBm',
  '用酒精棉清洁光纤连接头端面后重新插紧',
  '核对工单上的 LOID，在光猫管理页面重新输入并保存',
  '重启光猫，等待 PON 灯常亮后再测试',
  '更换分光器空闲端口并在资源系统中同步修改',
  '联系 1183301 核查局端数据是否下发',
  '恢复出厂设置后按工单重新配置上网和 IPTV 业务',
  '检查拨号账号密码并确认账号状态正常',
  '更换入户网线或重新压接水晶头',
  '将无线信道改为干扰较少的信道并调整路由器摆放位置',
  '在机顶盒设置中检查网络连接方式与 IP 地址',
  '升级设备固件到最新版本后复测',
  '检查皮线光缆走线，消除弯折和挤压',
  '用红光笔逐段查找断点并重新熔接',
  '拍照记录处理前后的指标并回单',
];
const NOTES = [
  '处理完成后请在工单中记录光功率和设备串号。',
  '如多户同时出现同样现象，按区域性故障上报 1183301。',
  '涉及高处作业时必须系好安全带。',
  '不要让用户自行拆卸光纤连接头。',
  '更换设备后须在系统中重新绑定串号。',
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

/** One realistic-looking handbook entry; `index` keeps titles unique. */
function generateEntry(next: () => number, index: number) {
  const device = pick(next, DEVICES);
  const fault = pick(next, FAULTS);
  const place = pick(next, PLACES);
  const order = pick(next, ORDERS);
  const brand = pick(next, BRANDS);
  const title = `${brand}${device}${fault}（${place}${order}，案例 ${String(index).padStart(5, '0')}）`;
  const causes = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(next, CAUSES));
  const steps = Array.from({ length: 3 + Math.floor(next() * 4) }, () => pick(next, STEPS));
  const body = [
    `## 现象\n${place}${order}时，用户的${brand}${device}出现${fault}，${pick(next, FAULTS)}的情况也时有发生。`,
    `## 常见原因\n${causes.map((cause) => `- ${cause}`).join('\n')}`,
    `## 处理步骤\n${steps.map((step, n) => `${n + 1}. ${step}`).join('\n')}`,
    `## 注意事项\n${pick(next, NOTES)}${pick(next, NOTES)}`,
  ].join('\n\n');
  return { title, body, tags: [device, fault, order], photos: [], isPublished: next() > 0.05 };
}

interface BenchQuery {
  readonly text: string;
  /** For device + fault queries: what the top hit's title should name. */
  readonly expect?: readonly [string, string];
}

/** Queries as engineers type them. */
function generateQueries(next: () => number, count: number): BenchQuery[] {
  const aimed = (shape: (device: string, fault: string) => string) => (): BenchQuery => {
    const device = pick(next, DEVICES);
    const fault = pick(next, FAULTS);
    return { text: shape(device, fault), expect: [device, fault] };
  };
  const shapes: Array<() => BenchQuery> = [
    aimed((device, fault) => `${device}${fault}`),
    aimed((device, fault) => `${device} ${fault}`),
    aimed((device, fault) => `${device}${fault}了吧`), // an extra word
    aimed((device, fault) => {
      const at = 1 + Math.floor(next() * Math.max(1, fault.length - 1));
      return `${device}${fault.slice(0, at)}${fault[at - 1] ?? ''}${fault.slice(at)}`; // a doubled character
    }),
    () => ({ text: `用户家${pick(next, BRANDS)}${pick(next, DEVICES)}一直${pick(next, FAULTS)}怎么处理` }),
    () => ({ text: pick(next, ['691', '678', 'LOID', 'IPTV', 'PON', 'dBm', 'VLAN', 'ONU']) }),
    () => ({ text: `${pick(next, PLACES)}${pick(next, ORDERS)}${pick(next, DEVICES)}` }),
    () => ({ text: pick(next, ['火星探测器', '区块链', '天气预报', '外卖配送']) }), // nothing in the handbook
  ];
  return Array.from({ length: count }, () => pick(next, shapes)());
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function run(label: string, database: DatabaseConfig, entries: number, queries: number): Promise<void> {
  await withMigratedDatabase(database, async (dataSource) => {
    const next = seededRandom(20261121);
    const indexStart = process.hrtime.bigint();
    const batch = 250;
    for (let start = 0; start < entries; start += batch) {
      await inTransaction(dataSource, async (manager) => {
        for (let index = start; index < Math.min(entries, start + batch); index += 1)
          await createKbEntry({
            manager,
            input: generateEntry(next, index),
            author: 'bench',
            now: new Date(),
          });
      });
    }
    const indexMs = Number(process.hrtime.bigint() - indexStart) / 1e6;
    await analyzeTables(dataSource, database, ['kb_term', 'kb_entry']);
    const terms = await countKbTerms(dataSource.manager);

    const asked = generateQueries(seededRandom(7), queries + 50);
    const durations: number[] = [];
    let empty = 0;
    let aimed = 0;
    let onTarget = 0;
    for (const [index, query] of asked.entries()) {
      const start = process.hrtime.bigint();
      const found = await searchKnowledge(dataSource.manager, query.text, { limit: 5 });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (index < 50) continue; // the first 50 warm caches and prepared statements
      durations.push(ms);
      if (found.length === 0) empty += 1;
      if (query.expect) {
        aimed += 1;
        const title = found[0]?.entry.title ?? '';
        if (query.expect.every((word) => title.includes(word))) onTarget += 1;
      }
    }
    durations.sort((a, b) => a - b);
    const size =
      database.kind === 'sqlite'
        ? `${(statSync(database.path).size / 1024 / 1024).toFixed(0)} MB file`
        : 'server';
    console.log(
      `${label}: ${entries} entries indexed in ${(indexMs / 1000).toFixed(1)} s ` +
        `(${(indexMs / entries).toFixed(2)} ms each, ${terms} index rows, ${size})`,
    );
    console.log(
      `  ${durations.length} searches: p50 ${percentile(durations, 50).toFixed(2)} ms, ` +
        `p95 ${percentile(durations, 95).toFixed(2)} ms, p99 ${percentile(durations, 99).toFixed(2)} ms, ` +
        `max ${(durations.at(-1) ?? NaN).toFixed(2)} ms; ${empty} found nothing; ` +
        `top hit names the device and the fault for ${onTarget}/${aimed} device + fault queries (typos included)`,
    );
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '20000' },
      queries: { type: 'string', default: '500' },
      ...BENCH_DATABASE_OPTIONS,
    },
    allowPositionals: true,
  });
  const entries = Number(values.entries);
  const queries = Number(values.queries);
  await runOnBenchDatabases(
    values,
    { mysqlUrl: DEFAULT_MYSQL, tempPrefix: 'fieldline-kb-bench-' },
    (label, database) => run(label, database, entries, queries),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
