// Unit tests for the snippet extractor: `npm test` (node's built-in test runner).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractRegion, readSnippet, dedent } from '../src/lib/snippet.mjs';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixture = 'docs-site/test-fixtures/SnippetFixture.java';

test('extracts a region and removes the common indentation', () => {
  const code = readSnippet(repoRoot, fixture, 'chat-main');
  assert.equal(
    code,
    [
      'var config = RoomcastConfig.builder()',
      '        .path("/ws")',
      '        .build();',
      '',
      'System.out.println("Roomcast chat listening on ws://127.0.0.1:8080/ws");',
    ].join('\n')
  );
});

test('marker lines are not part of the region', () => {
  const code = readSnippet(repoRoot, fixture, 'chat-router');
  assert.ok(code.startsWith('router.on("move", Move.class'));
  assert.ok(!code.includes('snippet:'));
  assert.ok(!code.includes('end-snippet'));
});

test('a region name does not match a longer name with the same prefix', () => {
  const code = readSnippet(repoRoot, fixture, 'chat');
  assert.equal(code, `static final String PREFIX_ONLY = "region 'chat' must not match 'chat-main'";`);
});

test('a missing region fails and names file and region', () => {
  assert.throws(() => readSnippet(repoRoot, fixture, 'no-such-region'), (err) => {
    assert.match(err.message, /no-such-region/);
    assert.match(err.message, /SnippetFixture\.java/);
    return true;
  });
});

test('a missing file fails and names file and region', () => {
  assert.throws(() => readSnippet(repoRoot, 'docs-site/test-fixtures/Nope.java', 'chat-main'), (err) => {
    assert.match(err.message, /Nope\.java/);
    assert.match(err.message, /chat-main/);
    return true;
  });
});

test('an unterminated region fails', () => {
  assert.throws(() => readSnippet(repoRoot, fixture, 'unterminated'), /no closing "\/\/ end-snippet"/);
});

test('paths outside the repository are refused', () => {
  assert.throws(
    () => readSnippet(repoRoot, path.join('..', 'etc', 'passwd'), 'x'),
    /outside the repository root/
  );
});

test('duplicate and empty regions fail', () => {
  const dup = '// snippet:a\nx\n// end-snippet\n// snippet:a\ny\n// end-snippet\n';
  assert.throws(() => extractRegion(dup, 'a', 'Dup.java'), /defined 2 times in Dup\.java/);
  const empty = '  // snippet:e\n\n  // end-snippet\n';
  assert.throws(() => extractRegion(empty, 'e', 'Empty.java'), /is empty/);
});

test('CRLF sources and tab indentation are handled', () => {
  const src = 'class A {\r\n\t// snippet:t\r\n\tint a;\r\n\t\tint b;\r\n\t// end-snippet\r\n}\r\n';
  assert.equal(extractRegion(src, 't', 'A.java'), 'int a;\n\tint b;');
});

test('dedent keeps relative indentation and blank lines', () => {
  assert.deepEqual(dedent(['    a', '', '      b', '    c']), ['a', '', '  b', 'c']);
});
