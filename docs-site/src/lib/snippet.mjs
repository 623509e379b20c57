// Build-time extraction of code regions from source files in the Roomcast repository.
//
// A region is marked in the source like this:
//
//     // snippet:chat-main
//     ...lines shown in the docs...
//     // end-snippet
//
// Everything strictly between the start marker line and the next line containing
// `// end-snippet` is returned, with the common leading indentation removed.
// Any problem (missing file, missing region, unterminated region, empty region)
// throws an Error naming the file and the region, so the docs build fails instead
// of publishing a stale or empty sample.

import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';

const END_MARKER = '// end-snippet';

export class SnippetError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SnippetError';
  }
}

/** Removes the longest common run of leading whitespace from all non-blank lines. */
export function dedent(lines) {
  let common = null;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = line.match(/^[ \t]*/)[0];
    if (common === null) {
      common = indent;
      continue;
    }
    let i = 0;
    while (i < common.length && i < indent.length && common[i] === indent[i]) i++;
    common = common.slice(0, i);
  }
  const cut = common ? common.length : 0;
  return lines.map((line) => (line.trim() === '' ? '' : line.slice(cut)));
}

/**
 * Extracts region `region` from `source` (the file's text). `label` names the file in errors.
 */
export function extractRegion(source, region, label = '<source>') {
  if (typeof region !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(region)) {
    throw new SnippetError(
      `Snippet: invalid region name ${JSON.stringify(region)} for file ${label} ` +
        '(use letters, digits, ".", "_" or "-").'
    );
  }
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  // The start marker must be followed by the exact region name, not a longer one
  // (so `snippet:chat` does not match `snippet:chat-main`).
  const start = new RegExp(`//\\s*snippet:${region.replace(/[.]/g, '\\.')}(?![A-Za-z0-9_.-])`);
  const startIndexes = [];
  lines.forEach((line, i) => {
    if (start.test(line)) startIndexes.push(i);
  });
  if (startIndexes.length === 0) {
    throw new SnippetError(
      `Snippet: region "${region}" not found in ${label} ` +
        `(expected a line containing "// snippet:${region}").`
    );
  }
  if (startIndexes.length > 1) {
    throw new SnippetError(
      `Snippet: region "${region}" is defined ${startIndexes.length} times in ${label} ` +
        `(lines ${startIndexes.map((i) => i + 1).join(', ')}).`
    );
  }
  const from = startIndexes[0] + 1;
  const endOffset = lines.slice(from).findIndex((line) => line.includes(END_MARKER));
  if (endOffset === -1) {
    throw new SnippetError(
      `Snippet: region "${region}" in ${label} (line ${from}) has no closing "${END_MARKER}" line.`
    );
  }
  const body = lines.slice(from, from + endOffset);
  const nested = body.findIndex((line) => /\/\/\s*snippet:/.test(line));
  if (nested !== -1) {
    throw new SnippetError(
      `Snippet: region "${region}" in ${label} contains another snippet marker at line ${from + nested + 1}; ` +
        'regions cannot nest or overlap.'
    );
  }
  // Trim blank lines at both ends.
  while (body.length && body[0].trim() === '') body.shift();
  while (body.length && body[body.length - 1].trim() === '') body.pop();
  if (body.length === 0) {
    throw new SnippetError(`Snippet: region "${region}" in ${label} is empty.`);
  }
  return dedent(body).join('\n');
}

/**
 * Reads `file` (a path relative to `repoRoot`) and extracts `region`.
 * Refuses paths that leave the repository.
 */
export function readSnippet(repoRoot, file, region) {
  if (typeof file !== 'string' || file.trim() === '') {
    throw new SnippetError(`Snippet: missing "file" prop (region "${region}").`);
  }
  const root = path.resolve(repoRoot);
  const absolute = path.resolve(root, file);
  const relative = path.relative(root, absolute);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new SnippetError(
      `Snippet: file ${file} (region "${region}") is outside the repository root ${root}.`
    );
  }
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new SnippetError(
      `Snippet: file ${file} not found (looked for ${absolute}) while extracting region "${region}".`
    );
  }
  return extractRegion(readFileSync(absolute, 'utf8'), region, file);
}
