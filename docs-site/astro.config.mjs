// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { fileURLToPath } from 'node:url';

// The repository root (parent of docs-site/). <Snippet file="..."> paths are relative to it.
process.env.ROOMCAST_REPO_ROOT ??= fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  telemetry: false,
  integrations: [
    starlight({
      title: 'Roomcast',
      expressiveCode: {
        // Long shell commands wrap instead of scrolling; Java keeps its layout.
        defaultProps: { overridesByLang: { 'sh,bash,shell': { wrap: true } } },
      },
      description:
        'A Java framework for real-time WebSocket services: auth once at the upgrade, rooms, broadcast fan-out, bounded send queues with backpressure.',
      sidebar: [
        {
          label: 'Start Here',
          items: [
            { label: 'Introduction', link: '/' },
            { slug: 'getting-started' },
          ],
        },
        {
          label: 'Core Concepts',
          items: [{ slug: 'concepts/lifecycle' }, { slug: 'concepts/protocol' }],
        },
        {
          label: 'Modules',
          items: [{ slug: 'modules' }],
        },
        {
          label: 'Guides',
          items: [
            { slug: 'guides/configuration' },
            { slug: 'guides/authentication' },
            { slug: 'guides/rooms-and-broadcast' },
            { slug: 'guides/backpressure' },
            { slug: 'guides/heartbeats' },
            { slug: 'guides/shutdown' },
            { slug: 'guides/observability' },
            { slug: 'guides/browser-client' },
            { slug: 'guides/java-client' },
            { slug: 'guides/testing' },
            { slug: 'guides/scale-out' },
          ],
        },
        {
          label: 'Examples',
          items: [{ slug: 'examples/chat' }, { slug: 'examples/live-dashboard' }, { slug: 'examples/jakarta' }],
        },
        {
          label: 'Reference',
          items: [
            { slug: 'reference/environment-variables' },
            { slug: 'reference/error-codes' },
            { slug: 'reference/benchmarks' },
            { slug: 'reference/conformance' },
            { slug: 'reference/fuzzing' },
          ],
        },
      ],
    }),
  ],
});
