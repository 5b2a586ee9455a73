import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicAuthorization, parseChallenge } from './auth.ts';

test('parseChallenge() reads bearer and basic challenges', () => {
  assert.deepEqual(
    parseChallenge('Bearer realm="http://127.0.0.1:9/token",service="reg",scope="repository:a/b:pull,push"'),
    {
      scheme: 'bearer',
      params: { realm: 'http://127.0.0.1:9/token', service: 'reg', scope: 'repository:a/b:pull,push' },
    },
  );
  assert.deepEqual(parseChallenge('Basic realm="x y"'), { scheme: 'basic', params: { realm: 'x y' } });
  assert.deepEqual(parseChallenge('Bearer realm=unquoted, service="a\\"b"'), {
    scheme: 'bearer',
    params: { realm: 'unquoted', service: 'a"b' },
  });
  assert.equal(parseChallenge(''), undefined);
  assert.equal(parseChallenge(undefined), undefined);
});

test('basicAuthorization() encodes user:password', () => {
  assert.equal(basicAuthorization('u', 'p:w'), `Basic ${Buffer.from('u:p:w').toString('base64')}`);
});
