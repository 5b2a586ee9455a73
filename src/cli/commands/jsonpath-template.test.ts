import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRuntimeError } from '../../errors.ts';
import { customColumnRow, parseCustomColumns, renderJsonPath } from './jsonpath-template.ts';

const list = {
  kind: 'List',
  items: [
    {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'a', image: 'x:1' },
          { name: 'b', image: 'y:2' },
        ],
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.0.0.5' },
    },
    { metadata: { name: 'db' }, spec: { containers: [{ name: 'c', image: 'z:3' }] }, status: {} },
  ],
};

test('renderJsonPath() prints fields, literals and ranges as kubectl does', () => {
  assert.equal(renderJsonPath('{.items[*].metadata.name}', list), 'web db');
  assert.equal(renderJsonPath('{.items[0].metadata.name}{"\\t"}{.kind}{"\\n"}', list), 'web\tList\n');
  assert.equal(
    renderJsonPath(
      '{range .items[*]}{.metadata.name}:{range .spec.containers[*]}{.image} {end}{"\\n"}{end}',
      list,
    ),
    'web:x:1 y:2 \ndb:z:3 \n',
  );
  assert.equal(renderJsonPath('name={$.items[1].metadata.name}', list), 'name=db');
  assert.equal(renderJsonPath('{.items[0].status.conditions[?(@.type=="Ready")].status}', list), 'True');
  assert.equal(renderJsonPath('{.items[0].metadata.labels}', list), '{"app":"web"}');
  assert.equal(renderJsonPath('{.items[5].metadata.name}', list), '');
  assert.equal(renderJsonPath('plain text', list), 'plain text');
  assert.equal(renderJsonPath('{range .items[*]}{@.metadata.name},{end}', list), 'web,db,');
});

test('renderJsonPath() refuses broken templates with what is wrong and an example', () => {
  for (const [t, why] of [
    ['{.items[*].metadata.name', /unclosed action/],
    ['{.items[0}', /unclosed "\["|unmatched/],
    ['{range .items[*]}{.metadata.name}', /without its \{end\}/],
    ['{.a}{end}', /\{end\} without a \{range\}/],
    ['{"\\q"}', /unknown escape/],
    ['{"abc}', /unterminated|unclosed/],
    ['{}', /empty expression/],
    ['{items}', /not a JSONPath expression/],
    ["{.items[?(@.a=='x)]}", /unterminated quote|unclosed action/],
  ] as const) {
    assert.throws(
      () => renderJsonPath(t, list),
      (e) => isRuntimeError(e, 'InvalidArgument') && why.test(e.message) && /jsonpath=/.test(e.hint ?? ''),
      t,
    );
  }
});

test('renderJsonPath() runs no code from a filter', () => {
  const hostile = "{.items[?(@.constructor.constructor('return process')().exit(9))]}";
  let out: string | undefined;
  try {
    out = renderJsonPath(hostile, list);
  } catch (e) {
    assert.ok(isRuntimeError(e, 'InvalidArgument'), String(e));
  }
  assert.ok(out === undefined || out === '', 'the process is still here and nothing was printed');
});

test('parseCustomColumns() and customColumnRow() print kubectl-style cells', () => {
  const cols = parseCustomColumns('NAME:.metadata.name,IMAGES:.spec.containers[*].image,IP:{.status.podIP}');
  assert.deepEqual(
    cols.map((c) => c.header),
    ['NAME', 'IMAGES', 'IP'],
  );
  assert.deepEqual(customColumnRow(cols, list.items[0]), ['web', 'x:1,y:2', '10.0.0.5']);
  assert.deepEqual(customColumnRow(cols, list.items[1]), ['db', 'z:3', '<none>']);
  assert.throws(() => parseCustomColumns('NAME'), /HEADER:EXPRESSION/);
  assert.throws(() => parseCustomColumns(''), /needs columns/);
  assert.throws(() => parseCustomColumns('N:.a[0'), /unclosed/);
});
