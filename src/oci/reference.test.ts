import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../errors.ts';
import { familiarString, isLoopbackHost, parseReference } from './reference.ts';

const D = `sha256:${'ab'.repeat(32)}`;

test('parseReference() normalises Docker Hub short names', () => {
  const r = parseReference('busybox');
  assert.equal(r.domain, 'docker.io');
  assert.equal(r.path, 'library/busybox');
  assert.equal(r.tag, 'latest');
  assert.equal(r.digest, undefined);
  assert.equal(r.string(), 'docker.io/library/busybox:latest');
  assert.equal(parseReference('index.docker.io/library/busybox:1').string(), 'docker.io/library/busybox:1');
  assert.equal(parseReference('someone/tool:2.0').string(), 'docker.io/someone/tool:2.0');
  assert.equal(
    parseReference('sigwindowstools/kube-proxy').string(),
    'docker.io/sigwindowstools/kube-proxy:latest',
  );
  assert.equal(parseReference('index.docker.io/busybox').string(), 'docker.io/library/busybox:latest');
  assert.equal(familiarString(parseReference('docker.io/library/busybox')), 'busybox:latest');
});

test('parseReference() keeps registries with ports and localhost', () => {
  const r = parseReference('127.0.0.1:5000/a/b:tag');
  assert.equal(r.domain, '127.0.0.1:5000');
  assert.equal(r.path, 'a/b');
  assert.equal(r.tag, 'tag');
  assert.equal(parseReference('localhost/x').string(), 'localhost/x:latest');
  assert.equal(parseReference('[::1]:5000/x:y').domain, '[::1]:5000');
  assert.equal(familiarString(r), '127.0.0.1:5000/a/b:tag');
});

test('parseReference() handles digests with and without tags', () => {
  const r = parseReference(`host:5000/a@${D}`);
  assert.equal(r.tag, undefined);
  assert.equal(r.digest, D);
  assert.equal(r.string(), `host:5000/a@${D}`);
  const both = parseReference(`busybox:1.36@${D}`);
  assert.equal(both.string(), `docker.io/library/busybox:1.36@${D}`);
});

test('parseReference() rejects bad references with a message naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['busybox:', /tag/],
    ['busybox:-x', /tag/],
    ['busybox@sha256:1234', /digest/],
    ['a//b', /repository/],
    ['-a/b', /repository/],
    ['host:5000/', /missing/],
    [`x/${'a'.repeat(300)}`, /longer/],
    ['bad_host:99/x', /registry/],
  ];
  for (const [s, re] of cases) {
    assert.throws(
      () => parseReference(s),
      (e) => isRuntimeError(e, 'InvalidArgument') && re.test(e.message),
      s,
    );
  }
});

test('isLoopbackHost() recognises loopback registries only', () => {
  for (const h of ['127.0.0.1:5000', '127.1.2.3', 'localhost:80', '[::1]:5000', 'localhost']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['10.0.0.1:5000', 'docker.io', '128.0.0.1', 'localhost.example.com', '[::2]:1']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
});
