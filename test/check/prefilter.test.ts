import { describe, expect, it } from 'vitest';
import { AUX_API_FUNCTIONS, auxApiMentions, isAuxApiFunction, mentionsAuxApi } from '../../src/index.js';

describe('the auxiliary-bus pre-filter', () => {
  it('knows the nine API functions', () => {
    expect([...AUX_API_FUNCTIONS].sort()).toEqual([
      '__auxiliary_device_add', '__devm_auxiliary_device_create', 'auxiliary_device_add', 'auxiliary_device_create',
      'auxiliary_device_delete', 'auxiliary_device_destroy', 'auxiliary_device_init', 'auxiliary_device_uninit',
      'devm_auxiliary_device_create',
    ]);
    expect(isAuxApiFunction('auxiliary_device_add')).toBe(true);
    expect(isAuxApiFunction('auxiliary_driver_register')).toBe(false);
  });

  it('finds each name as a whole identifier, once, in order of first mention', () => {
    const text = 'a = __devm_auxiliary_device_create(p);\nauxiliary_device_init(x);auxiliary_device_add(x);\nauxiliary_device_init(y);';
    expect(auxApiMentions(text)).toEqual(['__devm_auxiliary_device_create', 'auxiliary_device_init', 'auxiliary_device_add']);
    for (const name of AUX_API_FUNCTIONS) {
      expect(auxApiMentions(`${name}(x)`)).toEqual([name]);
      expect(auxApiMentions(Buffer.from(`{${name}}`))).toEqual([name]);
    }
  });

  it('does not count longer identifiers that contain a name', () => {
    for (const text of [
      'my_auxiliary_device_add(x);', 'auxiliary_device_added = 1;', 'auxiliary_device_add2(x);', 'xx__devm_auxiliary_device_create(p);',
      '___auxiliary_device_add(x);', 'auxiliary_device_(x);', 'auxiliary_device_', 'Auxiliary_device_add(x);', 'auxiliary_device_init_ops',
    ]) {
      expect(auxApiMentions(text), text).toEqual([]);
      expect(mentionsAuxApi(Buffer.from(text)), text).toBe(false);
    }
  });

  it('finds a name next to a longer one, at the start and at the end of the input', () => {
    expect(auxApiMentions('my_auxiliary_device_add(x); auxiliary_device_add(y)')).toEqual(['auxiliary_device_add']);
    expect(auxApiMentions('auxiliary_device_delete')).toEqual(['auxiliary_device_delete']);
    expect(mentionsAuxApi('x;auxiliary_device_uninit')).toBe(true);
  });

  it('reads raw bytes without decoding (non-UTF-8 around a name)', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x20]), Buffer.from('auxiliary_device_destroy(a);'), Buffer.from([0xe9])]);
    expect(auxApiMentions(bytes)).toEqual(['auxiliary_device_destroy']);
    const shifted = new Uint8Array(bytes.buffer, bytes.byteOffset + 3, 24);
    expect(auxApiMentions(shifted)).toEqual(['auxiliary_device_destroy']);
  });

  it('skips files that do not use the bus', () => {
    expect(mentionsAuxApi('platform_device_add(pdev); put_device(&pdev->dev);')).toBe(false);
    expect(mentionsAuxApi('')).toBe(false);
    expect(mentionsAuxApi(new Uint8Array(0))).toBe(false);
  });
});
