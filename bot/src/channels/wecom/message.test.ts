import { describe, expect, it } from '@jest/globals';
import { dedupeKey, toInboundMessage, type InboundMessage } from './message';
import { parseXml, XmlError } from './xml';

const envelope = (type: string, extra: string) =>
  `<xml><ToUserName><![CDATA[ww1234567890]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1795317671</CreateTime><MsgType><![CDATA[${type}]]></MsgType>${extra}<AgentID>1000002</AgentID></xml>`;
const parse = (xml: string) => toInboundMessage(parseXml(xml));
const event = (name: string, extra = '') =>
  parse(envelope('event', `<Event><![CDATA[${name}]]></Event><EventKey><![CDATA[KEY]]></EventKey>${extra}`));

describe('toInboundMessage', () => {
  it('normalises every message type', () => {
    expect(parse(envelope('text', '<Content><![CDATA[光猫注册失败]]></Content><MsgId>123</MsgId>'))).toEqual({
      type: 'text',
      toUserName: 'ww1234567890',
      fromUserName: 'zhangsan',
      createTime: 1795317671,
      agentId: 1000002,
      msgId: '123',
      content: '光猫注册失败',
    });
    expect(
      parse(envelope('image', '<PicUrl>http://p</PicUrl><MediaId>M1</MediaId><MsgId>1</MsgId>')),
    ).toMatchObject({
      type: 'image',
      mediaId: 'M1',
      picUrl: 'http://p',
    });
    expect(
      parse(envelope('voice', '<MediaId>V</MediaId><Format>amr</Format><MsgId>2</MsgId>')),
    ).toMatchObject({
      type: 'voice',
      format: 'amr',
    });
    expect(
      parse(envelope('video', '<MediaId>V</MediaId><ThumbMediaId>T</ThumbMediaId><MsgId>3</MsgId>')),
    ).toMatchObject({
      type: 'video',
      thumbMediaId: 'T',
    });
    expect(
      parse(
        envelope(
          'location',
          '<Location_X>33.61</Location_X><Location_Y>119.02</Location_Y><Scale>15</Scale><Label><![CDATA[淮安市]]></Label><MsgId>4</MsgId>',
        ),
      ),
    ).toMatchObject({ type: 'location', latitude: 33.61, longitude: 119.02, scale: 15, label: '淮安市' });
    expect(
      parse(
        envelope(
          'link',
          '<Title>t</Title><Description>d</Description><Url>u</Url><PicUrl>p</PicUrl><MsgId>5</MsgId>',
        ),
      ),
    ).toMatchObject({ type: 'link', title: 't', url: 'u' });
  });

  it('normalises every event, with its own fields', () => {
    for (const name of ['subscribe', 'unsubscribe', 'enter_agent', 'click', 'view']) {
      expect(event(name)).toMatchObject({ type: 'event', event: name, eventKey: 'KEY' });
    }
    expect(
      event('LOCATION', '<Latitude>33.5</Latitude><Longitude>119.1</Longitude><Precision>30</Precision>'),
    ).toMatchObject({
      event: 'LOCATION',
      latitude: 33.5,
      longitude: 119.1,
      precision: 30,
    });
    expect(
      event(
        'scancode_waitmsg',
        '<ScanCodeInfo><ScanType>barcode</ScanType><ScanResult>ZTEG12345678</ScanResult></ScanCodeInfo>',
      ),
    ).toMatchObject({ event: 'scancode_waitmsg', scanType: 'barcode', scanResult: 'ZTEG12345678' });
    expect(
      event(
        'pic_photo_or_album',
        '<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>a1</PicMd5Sum></item><item><PicMd5Sum>b2</PicMd5Sum></item></PicList></SendPicsInfo>',
      ),
    ).toMatchObject({ event: 'pic_photo_or_album', count: 2, picMd5Sums: ['a1', 'b2'] });
    expect(
      event(
        'location_select',
        '<SendLocationInfo><Location_X>33.6</Location_X><Location_Y>119.0</Location_Y><Scale>15</Scale><Label>清江浦区</Label><Poiname>营业厅</Poiname></SendLocationInfo>',
      ),
    ).toMatchObject({ event: 'location_select', latitude: 33.6, poiName: '营业厅' });
    expect(
      event(
        'template_card_event',
        '<TaskId>T1</TaskId><CardType>vote_interaction</CardType><ResponseCode>R1</ResponseCode><SelectedItems><SelectedItem><QuestionKey>q1</QuestionKey><OptionIds><OptionId>A</OptionId><OptionId>C</OptionId></OptionIds></SelectedItem></SelectedItems>',
      ),
    ).toMatchObject({
      event: 'template_card_event',
      taskId: 'T1',
      selectedItems: [{ questionKey: 'q1', optionIds: ['A', 'C'] }],
    });
  });

  it('keeps unknown message types and events as "unsupported" so they are recorded and acknowledged', () => {
    expect(parse(envelope('miniprogram', '<MsgId>9</MsgId>'))).toMatchObject({
      type: 'unsupported',
      msgType: 'miniprogram',
      msgId: '9',
    });
    expect(event('batch_job_result')).toMatchObject({
      type: 'unsupported',
      msgType: 'event',
      event: 'batch_job_result',
    });
  });

  it('refuses repeated fields, missing fields and bad values', () => {
    expect(() => parse(envelope('text', '<Content>a</Content><Content>b</Content><MsgId>1</MsgId>'))).toThrow(
      XmlError,
    );
    expect(() => parse(envelope('text', '<Content>a</Content>'))).toThrow(/MsgId/);
    expect(() => parse('<xml><FromUserName>u</FromUserName></xml>')).toThrow(/ToUserName/);
    expect(() =>
      parse(envelope('location', '<Location_X>95</Location_X><Location_Y>1</Location_Y><MsgId>1</MsgId>')),
    ).toThrow(/latitude/);
    expect(() => parse(envelope('text', '<Content><b>x</b></Content><MsgId>1</MsgId>'))).toThrow(
      /must hold text/,
    );
    expect(() => parse('<notxml><a>1</a></notxml>')).toThrow(/root element/);
  });

  it('builds only allow-listed fields: unknown and hostile tags never reach the message', () => {
    const message = parse(
      envelope(
        'text',
        '<Content>x</Content><MsgId>1</MsgId><__proto__><isAdmin>1</isAdmin></__proto__><Extra>1</Extra>',
      ),
    );
    expect(Object.keys(message).sort()).toEqual([
      'agentId',
      'content',
      'createTime',
      'fromUserName',
      'msgId',
      'toUserName',
      'type',
    ]);
    expect((message as unknown as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('dedupeKey', () => {
  const click = (key: string, time = 1795317671) =>
    parse(
      envelope('event', `<Event>click</Event><EventKey>${key}</EventKey>`).replace(
        '1795317671',
        String(time),
      ),
    );

  it('uses MsgId for messages', () => {
    expect(dedupeKey(parse(envelope('text', '<Content>x</Content><MsgId>42</MsgId>')))).toBe('msg:42');
  });

  it('tells apart two clicks in the same second, and keeps a retried event the same', () => {
    expect(dedupeKey(click('MENU_HAZARD'))).not.toBe(dedupeKey(click('MENU_LEAD')));
    expect(dedupeKey(click('MENU_HAZARD'))).toBe(dedupeKey(click('MENU_HAZARD')));
    expect(dedupeKey(click('MENU_HAZARD', 1795317672))).not.toBe(dedupeKey(click('MENU_HAZARD')));
  });

  it('includes event-specific ids and stays within the index length', () => {
    const scan = (result: string) =>
      dedupeKey(
        event(
          'scancode_waitmsg',
          `<ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>${result}</ScanResult></ScanCodeInfo>`,
        ),
      );
    expect(scan('SN1')).not.toBe(scan('SN2'));
    const long: InboundMessage = { ...click('x'), fromUserName: 'u'.repeat(300) };
    expect(dedupeKey(long).length).toBeLessThanOrEqual(191);
  });
});
