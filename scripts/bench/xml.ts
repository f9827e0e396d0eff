/**
 * `npm run bench:xml`: the WeCom XML parser (bot/src/channels/wecom/xml.ts) against xml2js and
 * fast-xml-parser on real callback shapes, in microseconds per document.
 */
import { XMLParser } from 'fast-xml-parser';
import { parseString } from 'xml2js';
import { parseXml } from '../../bot/src/channels/wecom/xml';
import { toInboundMessage } from '../../bot/src/channels/wecom/message';
import { WecomClient } from '../sim/wecom-client';
import { BENCH_CORP } from './corp';

const client = new WecomClient({ baseUrl: 'http://127.0.0.1', corp: BENCH_CORP, userId: 'zhangsan' });
const documents = {
  text: client.textXml('光猫注册失败，LOID 认证不通过，PON 灯常亮但 LOS 闪红，请帮忙查一下 OLT 侧配置'),
  'pic event': client.eventXml('pic_photo_or_album', 'PHOTO', [
    [
      'SendPicsInfo',
      {
        children: [
          ['Count', 2],
          [
            'PicList',
            {
              children: [
                ['item', { children: [['PicMd5Sum', 'a1b2c3']] }],
                ['item', { children: [['PicMd5Sum', 'd4e5f6']] }],
              ],
            },
          ],
        ],
      },
    ],
  ]),
};

const fxp = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false });
const parsers: Record<string, (xml: string) => unknown> = {
  'fieldline parseXml + toInboundMessage': (xml) => toInboundMessage(parseXml(xml)),
  'fieldline parseXml': (xml) => parseXml(xml),
  'fast-xml-parser': (xml): unknown => fxp.parse(xml) as unknown,
  xml2js: (xml) => {
    let out: unknown;
    parseString(xml, { async: false, explicitArray: false }, (error, result) => {
      if (error) throw error;
      out = result;
    });
    return out;
  },
};

function microsPerDocument(parse: (xml: string) => unknown, xml: string): number {
  const rounds = 20_000;
  for (let i = 0; i < 2_000; i += 1) parse(xml); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i += 1) parse(xml);
  return Number(process.hrtime.bigint() - started) / 1000 / rounds;
}

console.log(`XML parsers on WeCom callbacks (µs per document, node ${process.version})`);
for (const [name, xml] of Object.entries(documents)) {
  console.log(`\n${name} (${Buffer.byteLength(xml)} bytes)`);
  for (const [parserName, parse] of Object.entries(parsers)) {
    console.log(`  ${parserName.padEnd(40)} ${microsPerDocument(parse, xml).toFixed(2).padStart(8)} µs`);
  }
}
