import { describe, expect, it } from '@jest/globals';
import { buildXml, cdata, extractEncrypt, parseXml, XmlError } from './xml';

describe('parseXml', () => {
  it('parses WeCom documents: CDATA kept verbatim, entities decoded, whitespace between elements ignored', () => {
    const root = parseXml(`<?xml version="1.0"?>
      <xml>
        <Content><![CDATA[  光猫 &amp; <b>注册</b> 👷 ]]></Content>
        <Label>a &lt; b &#x1F600; &#39;x&#39;</Label>
        <Empty/>
        <SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[aa]]></PicMd5Sum></item><item><PicMd5Sum>bb</PicMd5Sum></item></PicList></SendPicsInfo>
      </xml>`);
    expect(root.name).toBe('xml');
    const byName = Object.fromEntries(root.children.map((child) => [child.name, child]));
    expect(byName.Content?.text).toBe('  光猫 &amp; <b>注册</b> 👷 ');
    expect(byName.Label?.text).toBe("a < b 😀 'x'");
    expect(byName.Empty).toEqual({ name: 'Empty', text: '', children: [] });
    expect(byName.SendPicsInfo?.children[1]?.children.map((item) => item.children[0]?.text)).toEqual([
      'aa',
      'bb',
    ]);
  });

  it('never turns tag names into object keys', () => {
    const root = parseXml(
      '<xml><__proto__><polluted>yes</polluted></__proto__><constructor>1</constructor></xml>',
    );
    expect(root.children.map((child) => child.name)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const refused: Array<[string, string]> = [
    ['DOCTYPE', '<!DOCTYPE xml [<!ENTITY a "b">]><xml>&a;</xml>'],
    ['an entity declaration inside', '<xml><!ENTITY x "y"></xml>'],
    ['a comment', '<xml><!-- hi --></xml>'],
    ['attributes', '<xml a="1"><b/></xml>'],
    ['an unknown entity', '<xml><a>&nbsp;</a></xml>'],
    ['a bare ampersand', '<xml><a>fish & chips</a></xml>'],
    ['a bad character reference', '<xml><a>&#0;</a></xml>'],
    ['mismatched tags', '<xml><a>1</b></xml>'],
    ['an unclosed element', '<xml><a>1</a>'],
    ['an unterminated CDATA', '<xml><a><![CDATA[1</a></xml>'],
    ['two roots', '<xml></xml><xml></xml>'],
    ['mixed content', '<xml>text<a>1</a></xml>'],
    ['text before the root', 'hello<xml></xml>'],
    ['deep nesting', `${'<a>'.repeat(20)}${'</a>'.repeat(20)}`],
    ['too many elements', `<xml>${'<a>1</a>'.repeat(1000)}</xml>`],
  ];
  it.each(refused)('refuses %s', (_label, input) => {
    expect(() => parseXml(input)).toThrow(XmlError);
  });
});

describe('extractEncrypt', () => {
  it('takes the ciphertext from a well-formed envelope, with or without CDATA', () => {
    expect(
      extractEncrypt(
        '<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID><![CDATA[1]]></AgentID></xml>',
      ),
    ).toBe('abc+/=');
    expect(extractEncrypt('  <xml><Encrypt>QUJD</Encrypt></xml>\n')).toBe('QUJD');
  });

  it('refuses anything else without parsing it', () => {
    expect(extractEncrypt('<xml></xml>')).toBeUndefined();
    expect(
      extractEncrypt('<xml><Encrypt><![CDATA[a]]></Encrypt><Encrypt><![CDATA[b]]></Encrypt></xml>'),
    ).toBeUndefined();
    expect(extractEncrypt('<xml><Encrypt><![CDATA[not base64!]]></Encrypt></xml>')).toBeUndefined();
    expect(extractEncrypt('<xml><Encrypt></Encrypt></xml>')).toBeUndefined();
    expect(extractEncrypt('{"Encrypt":"abc"}')).toBeUndefined();
    expect(extractEncrypt('<root><Encrypt>abc</Encrypt></root>')).toBeUndefined();
  });
});

describe('reply XML', () => {
  it('keeps ]]> and emoji well-formed inside CDATA', () => {
    const text = 'a]]>b ]]]> 😀';
    const xml = buildXml([
      ['Content', text],
      ['CreateTime', 1409659813],
    ]);
    expect(xml).toBe(`<xml><Content>${cdata(text)}</Content><CreateTime>1409659813</CreateTime></xml>`);
    const parsed = parseXml(xml);
    expect(parsed.children[0]?.text).toBe(text);
    expect(parsed.children[1]?.text).toBe('1409659813');
  });
});
