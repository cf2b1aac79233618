import { defineConfig } from 'vite';

// The console backend serves this bundle from its own loopback listener (console-core embeds
// ui/dist), so asset URLs are absolute from the root.
export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500, sourcemap: false },
  test: { environment: 'jsdom', globals: true, include: ['test/**/*.test.ts', 'test/**/*.test.tsx'] },
});
