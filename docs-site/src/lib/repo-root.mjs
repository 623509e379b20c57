// The repository root is the parent of docs-site/. astro.config.mjs computes it from its
// own location and hands it over through ROOMCAST_REPO_ROOT (set before the build starts),
// so it does not depend on where bundled component code ends up. The fallback covers
// running from the docs-site folder, which is what the npm scripts do.
import path from 'node:path';

export function repoRoot() {
  return process.env.ROOMCAST_REPO_ROOT || path.resolve(process.cwd(), '..');
}
