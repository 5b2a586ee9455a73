import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hpcPod, messages } from './testing/pods.ts';

test('validateDnsConfig() applies the API server rules for dnsPolicy None and dnsConfig', () => {
  assert.deepEqual(messages(hpcPod({ dnsPolicy: 'None' })), [
    'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
  ]);
  assert.deepEqual(messages(hpcPod({ dnsPolicy: 'None', dnsConfig: { searches: ['a.b'] } })), [
    'spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None',
  ]);
  assert.deepEqual(
    messages(
      hpcPod({
        dnsPolicy: 'ClusterFirstWithHostNet',
        dnsConfig: {
          nameservers: ['10.0.0.10', '1.1.1.1', '::1', 'dns.example'],
          searches: ['ok.example.', 'Bad_Domain', `${'a'.repeat(60)}.${'b'.repeat(60)}`],
          options: [{ name: 'ndots', value: '2' }, { name: '' }],
        },
      }),
    ),
    [
      'spec.dnsConfig.nameservers: Invalid value: ["10.0.0.10","1.1.1.1","::1","dns.example"]: must not have more than 3 nameservers',
      'spec.dnsConfig.nameservers[3]: Invalid value: "dns.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      "spec.dnsConfig.searches[1]: Invalid value: \"Bad_Domain\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'spec.dnsConfig.options[1]: Required value: must not be empty',
    ],
  );
  const many = Array.from({ length: 33 }, (_, i) => `d${i}.example`);
  const tooMany = messages(hpcPod({ dnsConfig: { searches: many } }));
  assert.equal(tooMany.length, 1);
  assert.match(
    tooMany[0] ?? '',
    /^spec\.dnsConfig\.searches: Invalid value: \["d0\.example",.*: must not have more than 32 search paths$/,
  );
  const long = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(63)}.${'x'.repeat(160)}`);
  assert.match(
    messages(hpcPod({ dnsConfig: { searches: long } })).join('\n'),
    /must not have more than 2048 characters \(including spaces\) in the search list/,
  );
  // A wrong type is the decoder's error, reported with the others.
  assert.match(
    messages(hpcPod({ dnsConfig: { nameservers: 'x' } })).join('\n'),
    /^spec\.dnsConfig\.nameservers: .*list/m,
  );
});
