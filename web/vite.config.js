// Vite build of the staff console (web/console.html) and the portal's client-side assets
// (web/src/portal.js, which imports web/src/portal.css). Output: web/dist, embedded into the
// `redress` binary by scripts/embed_web.py. The server reads web/dist/.vite/manifest.json to
// link the portal's script and stylesheet ("src/portal.js" entry).
//
// The pages are served with a strict Content-Security-Policy (script-src 'self';
// style-src 'self'), so the output must carry no inline scripts or styles: no module-preload
// polyfill (it would be inlined), assets always emitted as files (never inlined as data: URLs
// into CSS or JS, except images which img-src allows).
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    manifest: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: true,
    sourcemap: false,
    target: 'es2022',
    rollupOptions: {
      input: {
        console: resolve(root, 'console.html'),
        portal: resolve(root, 'src/portal.js'),
      },
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});
